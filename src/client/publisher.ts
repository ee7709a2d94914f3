import type { IClientPublishOptions, IPublishPacket, MqttClient } from 'mqtt';
import { MqttConnectionError, MqttError, MqttOfflineQueueFullError, MqttPublishError } from '../errors.js';
import type { MqttLogger } from '../logger.js';
import type { BrokerCapabilities } from './capabilities.js';
import { dropOutgoing } from './mqtt-internals.js';
import { enforcePublishLimits } from './publish-limits.js';
import { SendQuota } from './send-quota.js';

/** Default bound of publishes kept while offline (`MqttConfig.maxOfflineQueue`). */
export const DEFAULT_MAX_OFFLINE_QUEUE = 10_000;

/** What the publisher reads from the connection it belongs to. */
export interface PublisherHost {
  readonly client: MqttClient | undefined;
  readonly capabilities: BrokerCapabilities;
  readonly logger: MqttLogger;
}

/**
 * The publishing half of the connection: checks each publish against the broker's limits
 * before it is sent, holds QoS 1/2 publishes to the broker's Receive Maximum, bounds what waits
 * while offline, and turns mqtt.js callbacks into Promises that always settle (a refused packet
 * rejects with the broker's reason, a stop rejects what was never acknowledged).
 */
export class Publisher {
  private offlineQueued = 0;
  /** Publishes not settled yet: rejected by `abandon()` if mqtt.js drops them without a callback. */
  private readonly unsettled = new Set<(error: Error) => void>();
  private readonly quota: SendQuota;
  /** Topics whose QoS was lowered (warned once each). */
  private readonly downgraded = new Set<string>();

  constructor(
    private readonly host: PublisherHost,
    private readonly options: { maxOfflineQueue: number; downgradeQos: boolean },
  ) {
    this.quota = new SendQuota(() => host.capabilities.receiveMaximum);
  }

  /** Publishes made while offline and not yet settled (sent and acknowledged, or failed). */
  get offlineQueueSize(): number {
    return this.offlineQueued;
  }

  /** QoS 1/2 publishes waiting for a Receive Maximum slot. */
  get waitingForQuota(): number {
    return this.quota.queued;
  }

  /**
   * Publishes; resolves when written (QoS 0) or acknowledged (QoS 1/2), even across a reconnect.
   * Over the broker's limits it rejects with `MqttCapabilityError` and nothing is sent. While
   * offline, at most `maxOfflineQueue` publishes wait; past that `MqttOfflineQueueFullError`.
   */
  publish(
    topic: string,
    payload: Buffer | string,
    options: IClientPublishOptions,
  ): Promise<IPublishPacket | undefined> {
    const client = this.host.client;
    if (!client) throw new MqttConnectionError('The MQTT app has not been started: call start() first');
    const checked = enforcePublishLimits(
      topic,
      payload,
      options,
      this.host.capabilities,
      this.options.downgradeQos,
    );
    if (checked.qos !== options.qos) this.warnDowngrade(topic, options.qos ?? 0, checked.qos ?? 0);
    let offline = false;
    if (!client.connected) {
      const limit = this.options.maxOfflineQueue;
      if (this.offlineQueued >= limit) return Promise.reject(new MqttOfflineQueueFullError(topic, limit));
      offline = true;
      this.offlineQueued++;
    }
    const needsSlot = (checked.qos ?? 0) > 0;
    return new Promise((resolve, reject) => {
      let holdsSlot = false;
      const abandon = (error: Error) => settle(error);
      const settle = (error: Error | undefined, packet?: unknown) => {
        if (!this.unsettled.delete(abandon)) return;
        if (offline) this.offlineQueued--;
        if (holdsSlot) this.quota.release();
        if (!error) return resolve(packet as IPublishPacket | undefined);
        if (error instanceof MqttError) return reject(error);
        const code = (error as { code?: unknown }).code;
        reject(
          new MqttPublishError(topic, error.message, {
            cause: error,
            reasonCode: typeof code === 'number' ? code : undefined,
          }),
        );
      };
      this.unsettled.add(abandon);
      const send = () => {
        // Settled while waiting for its slot (the app stopped): give the slot back.
        if (!this.unsettled.has(abandon)) {
          if (needsSlot) this.quota.release();
          return;
        }
        holdsSlot = needsSlot;
        client.publish(topic, payload, checked, settle);
      };
      const slot = needsSlot ? this.quota.acquire() : undefined;
      if (slot) slot.then(send, settle);
      else send();
    });
  }

  /** A new CONNACK: its Receive Maximum may let waiting publishes go. */
  onConnect(): void {
    this.quota.wake();
  }

  /** The broker refused this stored QoS 1/2 packet: fail its publish and never resend it. */
  refuse(client: MqttClient, messageId: number, error: MqttError): void {
    dropOutgoing(client, messageId, error);
  }

  /** Rejects everything not settled (the app stopped). */
  abandon(error: Error): void {
    this.quota.abandon(error);
    for (const abandon of [...this.unsettled]) abandon(error);
  }

  private warnDowngrade(topic: string, asked: number, sent: number): void {
    if (this.downgraded.has(topic) || this.downgraded.size >= 1000) return;
    this.downgraded.add(topic);
    this.host.logger.warn(
      { topic, qos: asked, sentQos: sent, maximumQoS: this.host.capabilities.maximumQoS },
      'publish QoS lowered to the broker maximum (downgradeQos)',
    );
  }
}
