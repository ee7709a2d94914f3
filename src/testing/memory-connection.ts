import type { IClientPublishOptions, IPublishPacket, MqttClient } from 'mqtt';
import type { MqttConfig } from '../client/config.js';
import { type ConnectInfo, Connection, type PacketSink } from '../client/connection.js';
import type { Subscription } from '../client/subscriptions.js';
import { MqttConnectionError } from '../errors.js';
import type { MqttLogger } from '../logger.js';
import { type MemoryBroker, type MemoryClient, memoryMessage } from './memory-broker.js';

/** An acknowledgement the app sent for a received copy (PUBACK/PUBREC reason code). */
export interface MemoryAck {
  readonly packet: IPublishPacket;
  readonly reasonCode: number;
}

/** What the app handed to its connection to publish. */
export interface PublishedMessage {
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: 0 | 1 | 2;
  readonly retain: boolean;
  readonly properties: IPublishPacket['properties'] | undefined;
}

/**
 * The app's connection, in memory: the same `Connection` surface the app, subscriber and
 * service use, talking to a `MemoryBroker` instead of a socket. Received copies go to the
 * dispatcher's packet sink one at a time, the next only once `done` was called (as mqtt.js's
 * `handleMessage`); `done()` with no error acknowledges a QoS 1/2 copy (mqtt.js does), an error
 * leaves the ack to the app (`ack`, the after-handler mode).
 */
export class MemoryConnection extends Connection implements MemoryClient {
  private isConnected = false;
  private readonly inbound: IPublishPacket[] = [];
  private reading = false;
  private readonly owed = new Set<IPublishPacket>();
  private readonly ackedEarly = new Set<IPublishPacket>();
  /** Acks the app sent, in order. */
  readonly acks: MemoryAck[] = [];
  /** Everything the app published, in order. */
  readonly published: PublishedMessage[] = [];
  /** Called after each copy was read (its `done` called) and after each ack. */
  onProgress: (() => void) | undefined;

  constructor(
    config: MqttConfig,
    private readonly packetSink: PacketSink,
    logger: MqttLogger,
    private readonly broker: MemoryBroker,
    private readonly protocol: 4 | 5,
  ) {
    super(config, packetSink, logger);
  }

  override get protocolVersion(): 4 | 5 {
    return this.protocol;
  }

  override get client(): MqttClient | undefined {
    return undefined;
  }

  override get connected(): boolean {
    return this.isConnected;
  }

  override get generation(): number {
    return 0;
  }

  override get offlineQueueSize(): number {
    return 0;
  }

  override get subscriptionIdsAvailable(): boolean {
    return this.protocolVersion === 5;
  }

  /** Copies received and not read by the dispatcher yet (it holds `done` at `maxInFlight`). */
  get queued(): number {
    return this.inbound.length + (this.reading ? 1 : 0);
  }

  /** QoS 1/2 copies read by the dispatcher and not acknowledged yet. */
  get unacked(): number {
    return this.owed.size;
  }

  override ack(packet: IPublishPacket, reasonCode: number): void {
    if (!this.isConnected) return;
    // The ack queue may ack a copy before the dispatcher's `done` told us it would.
    if (!this.owed.delete(packet)) this.ackedEarly.add(packet);
    this.acks.push({ packet, reasonCode });
    this.onProgress?.();
  }

  override async open(): Promise<ConnectInfo> {
    this.isConnected = true;
    this.broker.attach(this);
    return {
      sessionPresent: false,
      protocolVersion: this.protocolVersion,
      reconnect: false,
      properties: {},
      capabilities: this.capabilities,
      broker: 'memory',
    };
  }

  override abortRetry(): void {}

  override async subscribe(
    subscriptions: readonly Subscription[],
    id: number | undefined,
    onSuback?: () => void,
  ): Promise<number[]> {
    this.requireOpen();
    const granted = this.broker.subscribe(
      this,
      subscriptions,
      this.subscriptionIdsAvailable ? id : undefined,
    );
    onSuback?.(); // the retained copies follow (queued by the broker)
    return granted;
  }

  override async unsubscribe(filters: readonly string[]): Promise<void> {
    this.requireOpen();
    this.broker.unsubscribe(this, filters);
  }

  override async publish(
    topic: string,
    payload: Buffer | string,
    options: IClientPublishOptions,
  ): Promise<IPublishPacket | undefined> {
    this.requireOpen();
    const message = memoryMessage(topic, payload, options);
    this.published.push({ ...message, properties: message.properties });
    const messageId = this.broker.publish(this, message);
    return { cmd: 'publish', ...message, dup: false, ...(messageId ? { messageId } : {}) };
  }

  override async close(): Promise<void> {
    if (!this.isConnected) return;
    this.isConnected = false;
    this.broker.detach(this);
    this.inbound.length = 0;
    this.owed.clear();
  }

  deliver(packet: IPublishPacket): void {
    if (!this.isConnected) return;
    this.inbound.push(packet);
    if (!this.reading) this.readNext();
  }

  private readNext(): void {
    const packet = this.inbound.shift();
    if (!packet) {
      this.reading = false;
      this.onProgress?.();
      return;
    }
    this.reading = true;
    let called = false;
    this.packetSink(packet, (error) => {
      if (called) return;
      called = true;
      // mqtt.js acknowledges a QoS 1/2 packet when handleMessage calls back without an error;
      // with an error it leaves the ack to the app (after-handler) or skips it (stopping).
      if (!error && packet.qos > 0 && this.isConnected) this.acks.push({ packet, reasonCode: 0 });
      else if (error && packet.qos > 0 && this.isConnected && !this.ackedEarly.delete(packet))
        this.owed.add(packet);
      queueMicrotask(() => this.readNext());
    });
  }

  private requireOpen(): void {
    if (!this.isConnected)
      throw new MqttConnectionError('The in-memory test app is not started (or was stopped)');
  }
}
