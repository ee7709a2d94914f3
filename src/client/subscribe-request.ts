import type { MqttClient } from 'mqtt';
import { MqttError } from '../errors.js';
import type { Refusal } from './refusals.js';
import type { Subscription } from './subscriptions.js';

/** The part of mqtt-packet's ISubackPacket we read. */
interface SubackLike {
  readonly granted: ReadonlyArray<number | { readonly qos: number }>;
}

/** MQTT 3.1.1's SUBACK failure code, given to each filter of a SUBSCRIBE the broker refused by closing. */
const REFUSED = 0x80;

/** Refusals of SUBSCRIBE packets, by their filters, waiting for the subscribe call to read them. */
export class SubscribeRefusals {
  private readonly byFilters = new Map<string, Refusal>();

  record(refusal: Refusal): void {
    this.byFilters.set(refusal.packet.filters.join('\n'), refusal);
  }

  take(filters: readonly string[]): Refusal | undefined {
    const key = filters.join('\n');
    const refusal = this.byFilters.get(key);
    this.byFilters.delete(key);
    return refusal;
  }
}

/**
 * Sends one SUBSCRIBE; resolves with the granted QoS / reason code of each subscription. A
 * SUBSCRIBE the broker refused by ending the connection resolves with its reason code (0x80 on
 * MQTT 3.1.1) for each filter, as a SUBACK failure would: the subscriber then drops them
 * instead of resending them forever. A connection lost otherwise rejects (they stay pending).
 */
export function sendSubscribe(
  client: MqttClient,
  protocolVersion: 3 | 4 | 5,
  subscriptions: readonly Subscription[],
  subscriptionId: number | undefined,
  refusals: SubscribeRefusals,
  /** Runs in mqtt.js's SUBACK callback, before mqtt.js reads the next packet. */
  onSuback?: () => void,
): Promise<number[]> {
  const topics: Record<string, { qos: 0 | 1 | 2; nl?: boolean; rap?: boolean; rh?: number }> = {};
  for (const { filter, options, quietResend } of subscriptions) {
    topics[filter] =
      protocolVersion === 5
        ? {
            qos: options.qos,
            nl: options.noLocal,
            rap: options.retainAsPublished,
            // The subscription exists: 1 ("only if new") keeps the broker from replaying retained messages.
            rh: quietResend && options.retainHandling === 0 ? 1 : options.retainHandling,
          }
        : { qos: options.qos };
  }
  const filters = subscriptions.map((s) => s.filter);
  const properties = subscriptionId !== undefined ? { subscriptionIdentifier: subscriptionId } : undefined;
  return new Promise((resolve, reject) => {
    client.subscribe(topics, properties ? { qos: 0, properties } : { qos: 0 }, (error, _granted, packet) => {
      const suback = (packet ?? (error as { packet?: unknown } | undefined)?.packet) as
        | SubackLike
        | undefined;
      if (suback?.granted) {
        onSuback?.();
        return resolve(suback.granted.map((g) => (typeof g === 'number' ? g : g.qos)));
      }
      if (!error) return resolve(filters.map(() => REFUSED));
      // mqtt.js fails the callback just before it reports the close that decides whether the
      // broker refused this SUBSCRIBE: look once that has run.
      queueMicrotask(() => {
        const refusal = refusals.take(filters);
        if (refusal) resolve(filters.map(() => refusal.reasonCode ?? REFUSED));
        else
          reject(
            new MqttError(`SUBSCRIBE failed: ${error.message}`, 'ERR_MQTT_SUBSCRIPTION', { cause: error }),
          );
      });
    });
  });
}

/** Sends one UNSUBSCRIBE; resolves on UNSUBACK. */
export function sendUnsubscribe(client: MqttClient, filters: readonly string[]): Promise<void> {
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
