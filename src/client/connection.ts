import { randomBytes } from 'node:crypto';
import mqtt, {
  type IClientOptions,
  type IClientPublishOptions,
  type IConnackPacket,
  type IDisconnectPacket,
  type IPublishPacket,
  type MqttClient,
} from 'mqtt';
import { MqttConnectionError, MqttError, MqttOfflineQueueFullError, MqttPublishError } from '../errors.js';
import type { MqttLogger } from '../logger.js';
import { Backoff } from './backoff.js';
import type { MqttConfig } from './config.js';
import { clearReconnectTimer, sendAck } from './mqtt-internals.js';
import type { Subscription } from './subscriptions.js';
import { TypedEmitter } from './typed-emitter.js';

export type ProtocolVersion = 3 | 4 | 5;

/** Passed to `@OnConnect` hooks and the `connect` event. */
export interface ConnectInfo {
  /** The broker kept our session (subscriptions and queued messages). */
  readonly sessionPresent: boolean;
  readonly protocolVersion: ProtocolVersion;
  /** False for the first connection of this app, true for every reconnect. */
  readonly reconnect: boolean;
  /** MQTT 5 CONNACK properties (broker limits, assigned client id, …). */
  readonly properties: IConnackPacket['properties'];
}

/** Passed to `@OnDisconnect` hooks and the `disconnect` event. */
export interface DisconnectInfo {
  /** The error that ended the connection, if any (network error, refused CONNACK…). */
  readonly error: Error | undefined;
  /** The broker's MQTT 5 DISCONNECT packet, if it sent one (reason code and string). */
  readonly packet: IDisconnectPacket | undefined;
  /** True when we closed it ourselves (`stop()`). */
  readonly requested: boolean;
}

export interface ConnectionEvents {
  connect: [ConnectInfo];
  reconnect: [];
  offline: [];
  disconnect: [DisconnectInfo];
  error: [MqttError];
}

/** Receives every incoming PUBLISH; must call `done` to let mqtt.js ack it and read the next packet. */
export type PacketSink = (packet: IPublishPacket, done: (error?: Error) => void) => void;

/** CONNACK codes that mean "this protocol version is not spoken here" (3.1.1: 1, MQTT 5: 0x84). */
const UNSUPPORTED_PROTOCOL = new Set([1, 0x84]);

/** The part of mqtt-packet's ISubackPacket we read. */
interface SubackLike {
  readonly granted: ReadonlyArray<number | { readonly qos: number }>;
}

/** Default bound of publishes kept while offline (`MqttConfig.maxOfflineQueue`). */
export const DEFAULT_MAX_OFFLINE_QUEUE = 10_000;

/**
 * The one mqtt.js client of an app: connects (MQTT 5 first, 3.1.1 if the broker refuses
 * 5), reconnects with exponential backoff and jitter, and turns mqtt.js callbacks into
 * Promises and typed events. It knows nothing about handlers or subscriptions' meaning.
 */
export class Connection extends TypedEmitter<ConnectionEvents> {
  readonly clientId: string;
  private current: MqttClient | undefined;
  private version: ProtocolVersion;
  private hasConnected = false;
  private closing = false;
  private retryAborted = false;
  /** An outage's first connection error was logged; later attempts' errors go to debug. */
  private outageReported = false;
  private wakeRetry: (() => void) | undefined;
  private lastError: Error | undefined;
  private lastDisconnect: IDisconnectPacket | undefined;
  private connack: IConnackPacket | undefined;
  private readonly backoff: Backoff;
  private closes = 0;
  private offlineQueued = 0;
  /** Publishes not settled yet: rejected by `close()` if mqtt.js drops them without a callback. */
  private readonly unsettled = new Set<(error: Error) => void>();

  constructor(
    private readonly config: MqttConfig,
    private readonly sink: PacketSink,
    private readonly logger: MqttLogger,
    /**
     * Packet stores for mqtt.js (persistent ones keep in-flight packets across restarts), and the
     * MQTT 5 Receive Maximum to advertise (QoS 1/2 messages the broker may send unacknowledged).
     */
    private readonly stores: Pick<IClientOptions, 'incomingStore' | 'outgoingStore'> & {
      receiveMaximum?: number;
    } = {},
  ) {
    super();
    this.clientId =
      config.clientId ?? `${config.clientIdPrefix ?? 'koa-mqtt'}-${randomBytes(6).toString('hex')}`;
    this.version = config.protocolVersion ?? 5;
    this.backoff = new Backoff(config.reconnectPeriod ?? 1000, config.reconnectMaxPeriod ?? 30_000);
  }

  /** The raw mqtt.js client (undefined before `open()`). */
  get client(): MqttClient | undefined {
    return this.current;
  }

  get connected(): boolean {
    return this.current?.connected === true;
  }

  get protocolVersion(): ProtocolVersion {
    return this.version;
  }

  /** Counts closed network connections: an ack owed on an older one must not be sent on a newer one. */
  get generation(): number {
    return this.closes;
  }

  /** Publishes made while offline and not yet settled (sent and acknowledged, or failed). */
  get offlineQueueSize(): number {
    return this.offlineQueued;
  }

  /** Sends the PUBACK / PUBCOMP of an incoming message whose ack the dispatcher took over. */
  ack(packet: IPublishPacket, reasonCode: number): void {
    const client = this.current;
    if (client?.connected) sendAck(client, packet, reasonCode);
  }

  /** Whether the broker attaches MQTT 5 subscription identifiers (it said so in CONNACK). */
  get subscriptionIdsAvailable(): boolean {
    return this.version === 5 && this.connack?.properties?.subscriptionIdentifiersAvailable !== false;
  }

  /** Connects for the first time. Rejects with `MqttConnectionError` if the broker cannot be reached or refuses. */
  async open({ retry = false }: { retry?: boolean } = {}): Promise<ConnectInfo> {
    for (;;) {
      try {
        return await this.openOnce();
      } catch (error) {
        // A refusal (a CONNACK reason code: bad credentials, not authorized…) is final; an
        // unreachable broker or a timeout is retried when asked, with the reconnect backoff.
        if (!retry || this.retryAborted || (error as MqttConnectionError).reasonCode !== undefined)
          throw error;
        const delay = this.backoff.next();
        this.logger.warn(
          { err: error, broker: this.config.brokerUrl, retryInMs: delay },
          'MQTT broker not reachable; retrying',
        );
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delay);
          this.wakeRetry = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wakeRetry = undefined;
        if (this.retryAborted)
          throw new MqttConnectionError(`Stopped while waiting for ${this.config.brokerUrl}`, {
            cause: error,
          });
      }
    }
  }

  /** Ends a retrying `open()` at its next wait (an attempt under way finishes first). */
  abortRetry(): void {
    this.retryAborted = true;
    this.wakeRetry?.();
  }

  private async openOnce(): Promise<ConnectInfo> {
    const versions: ProtocolVersion[] = this.config.protocolVersion ? [this.config.protocolVersion] : [5, 4];
    for (let i = 0; ; i++) {
      const version = versions[i]!;
      try {
        return await this.attempt(version);
      } catch (error) {
        const code = (error as MqttConnectionError).reasonCode;
        if (i + 1 < versions.length && code !== undefined && UNSUPPORTED_PROTOCOL.has(code)) {
          this.logger.info(
            { broker: this.config.brokerUrl, refused: version, using: versions[i + 1] },
            'broker refused MQTT 5; falling back to MQTT 3.1.1',
          );
          continue;
        }
        throw error;
      }
    }
  }

  private attempt(version: ProtocolVersion): Promise<ConnectInfo> {
    this.version = version;
    const options = this.config.toClientOptions(version);
    options.clientId = this.clientId;
    if (this.stores.incomingStore) options.incomingStore = this.stores.incomingStore;
    if (this.stores.outgoingStore) options.outgoingStore = this.stores.outgoingStore;
    if (version === 5 && this.stores.receiveMaximum !== undefined)
      options.properties = { ...options.properties, receiveMaximum: this.stores.receiveMaximum };
    const client = this.config.url ? mqtt.connect(this.config.url, options) : mqtt.connect(options);
    this.current = client;
    client.handleMessage = this.sink;
    client.on('close', () => {
      this.closes++;
    });
    return new Promise<ConnectInfo>((resolve, reject) => {
      const timeoutMs = (this.config.connectTimeout ?? 10_000) + 1000;
      const fail = (error: Error) => {
        cleanup();
        client.end(true);
        reject(this.connectionError(error));
      };
      const timer = setTimeout(
        () => fail(new Error(`no CONNACK from ${this.config.brokerUrl} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const onConnect = () => {
        cleanup();
        this.wire(client);
        resolve(this.info(false));
      };
      const cleanup = () => {
        clearTimeout(timer);
        client.off('connect', onConnect);
        client.off('error', fail);
      };
      client.on('connect', (connack) => {
        this.connack = connack;
        if (this.config.noDelay !== false) noDelay(client);
      });
      client.once('connect', onConnect);
      client.on('error', fail);
    });
  }

  /** Events of an established client, for its whole life. */
  private wire(client: MqttClient): void {
    this.hasConnected = true;
    client.on('connect', () => {
      this.outageReported = false;
      this.backoff.reset();
      this.lastError = undefined;
      this.lastDisconnect = undefined;
      this.emit('connect', this.info(true));
    });
    client.prependListener('close', () => {
      // Runs before mqtt.js schedules the next attempt: set its delay from the backoff.
      if (!this.closing && this.config.reconnectPeriod !== 0)
        client.options.reconnectPeriod = this.backoff.next();
      if (this.closing) return;
      this.emit('disconnect', { error: this.lastError, packet: this.lastDisconnect, requested: false });
    });
    client.on('reconnect', () => {
      // mqtt.js retries on a fixed interval; clear it so the next 'close' sets a fresh, longer delay.
      clearReconnectTimer(client);
      this.emit('reconnect');
    });
    client.on('offline', () => this.emit('offline'));
    client.on('disconnect', (packet) => {
      this.lastDisconnect = packet;
    });
    client.on('error', (error) => {
      this.lastError = error;
      const wrapped = this.connectionError(error);
      if (wrapped.reasonCode !== undefined) {
        // A refused CONNACK: mqtt.js does not retry (it would be refused again), so say so loudly.
        this.logger.error(
          { err: wrapped, broker: this.config.brokerUrl, reasonCode: wrapped.reasonCode },
          'broker refused the connection; not reconnecting (fix the credentials, then restart the app)',
        );
      } else if (!this.outageReported) {
        // Once per outage: a broker that stays down would otherwise log at every attempt.
        this.outageReported = true;
        this.logger.error(
          { err: wrapped, broker: this.config.brokerUrl },
          'MQTT connection error; reconnecting',
        );
      } else {
        this.logger.debug({ err: wrapped, broker: this.config.brokerUrl }, 'MQTT reconnect attempt failed');
      }
      this.emit('error', wrapped);
    });
  }

  private info(reconnect: boolean): ConnectInfo {
    return {
      sessionPresent: this.connack?.sessionPresent === true,
      protocolVersion: this.version,
      reconnect,
      properties: this.connack?.properties,
    };
  }

  private connectionError(error: Error): MqttConnectionError {
    if (error instanceof MqttConnectionError) return error;
    const code = (error as { code?: unknown }).code;
    const reasonCode = typeof code === 'number' ? code : undefined;
    const detail = error.message || String(code ?? 'unknown error');
    return new MqttConnectionError(
      `Cannot connect to ${this.config.brokerUrl} as ${this.clientId}: ${detail}`,
      {
        cause: error,
        reasonCode,
      },
    );
  }

  /** Sends one SUBSCRIBE with these subscriptions; resolves with the granted QoS / reason code of each. */
  subscribe(subscriptions: readonly Subscription[], subscriptionId: number | undefined): Promise<number[]> {
    const client = this.requireClient();
    const topics: Record<string, { qos: 0 | 1 | 2; nl?: boolean; rap?: boolean; rh?: number }> = {};
    for (const { filter, options, quietResend } of subscriptions) {
      topics[filter] =
        this.version === 5
          ? {
              qos: options.qos,
              nl: options.noLocal,
              rap: options.retainAsPublished,
              // The subscription exists: 1 ("only if new") keeps the broker from replaying retained messages.
              rh: quietResend && options.retainHandling === 0 ? 1 : options.retainHandling,
            }
          : { qos: options.qos };
    }
    const properties =
      subscriptionId !== undefined && this.subscriptionIdsAvailable
        ? { subscriptionIdentifier: subscriptionId }
        : undefined;
    return new Promise((resolve, reject) => {
      client.subscribe(
        topics,
        properties ? { qos: 0, properties } : { qos: 0 },
        (error, _granted, packet) => {
          const suback = (packet ?? (error as { packet?: unknown } | undefined)?.packet) as
            | SubackLike
            | undefined;
          if (suback?.granted) resolve(suback.granted.map((g) => (typeof g === 'number' ? g : g.qos)));
          else if (error)
            reject(
              new MqttError(`SUBSCRIBE failed: ${error.message}`, 'ERR_MQTT_SUBSCRIPTION', { cause: error }),
            );
          else resolve(subscriptions.map(() => 0x80));
        },
      );
    });
  }

  unsubscribe(filters: readonly string[]): Promise<void> {
    const client = this.requireClient();
    return new Promise((resolve, reject) => {
      client.unsubscribe([...filters], (error) => {
        if (error)
          reject(
            new MqttError(`UNSUBSCRIBE failed: ${error.message}`, 'ERR_MQTT_SUBSCRIPTION', { cause: error }),
          );
        else resolve();
      });
    });
  }

  /**
   * Publishes; resolves when written (QoS 0) or acknowledged (QoS 1/2), even across a reconnect.
   * While offline, at most `maxOfflineQueue` publishes wait for the connection; past that it
   * rejects with `MqttOfflineQueueFullError` and nothing is queued.
   */
  publish(
    topic: string,
    payload: Buffer | string,
    options: IClientPublishOptions,
  ): Promise<IPublishPacket | undefined> {
    const client = this.requireClient();
    let offline = false;
    if (!client.connected) {
      const limit = this.config.maxOfflineQueue ?? DEFAULT_MAX_OFFLINE_QUEUE;
      if (this.offlineQueued >= limit) return Promise.reject(new MqttOfflineQueueFullError(topic, limit));
      offline = true;
      this.offlineQueued++;
    }
    return new Promise((resolve, reject) => {
      const abandon = (error: Error) => settle(error);
      const settle = (error: Error | undefined, packet?: unknown) => {
        if (!this.unsettled.delete(abandon)) return;
        if (offline) this.offlineQueued--;
        if (!error) return resolve(packet as IPublishPacket | undefined);
        const code = (error as { code?: unknown }).code;
        reject(
          new MqttPublishError(topic, error.message, {
            cause: error,
            reasonCode: typeof code === 'number' ? code : undefined,
          }),
        );
      };
      this.unsettled.add(abandon);
      client.publish(topic, payload, options, settle);
    });
  }

  /** Disconnects cleanly (DISCONNECT, so no last will), waiting up to `timeoutMs` for outgoing acks. */
  async close(timeoutMs = 5000): Promise<void> {
    const client = this.current;
    if (!client || this.closing) return;
    this.closing = true;
    const wasConnected = client.connected;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => client.end(true, () => resolve()), timeoutMs);
      client.end(!client.connected, () => {
        clearTimeout(timer);
        resolve();
      });
    });
    const stopped = new Error(
      'the app stopped before the broker acknowledged it (a persistent outgoingStore sends it on the next start)',
    );
    for (const abandon of [...this.unsettled]) abandon(stopped);
    if (wasConnected && this.hasConnected) {
      this.emit('disconnect', { error: undefined, packet: undefined, requested: true });
    }
  }

  private requireClient(): MqttClient {
    if (!this.current) throw new MqttConnectionError('The MQTT app has not been started: call start() first');
    return this.current;
  }
}

/**
 * Turns Nagle's algorithm off on the client's TCP/TLS socket (mqtt.js leaves it on): with it, a
 * small packet following another waits for the broker's delayed ACK, about 40 ms per hop, which
 * makes a request/response round trip take ~90 ms instead of ~1 ms. Websocket streams have no
 * such switch and are left alone. `MqttConfig.noDelay: false` keeps Nagle (throughput).
 */
function noDelay(client: MqttClient): void {
  const stream = client.stream as { setNoDelay?: (noDelay: boolean) => unknown } | undefined;
  stream?.setNoDelay?.(true);
}
