import type { MqttClient } from 'mqtt';

/**
 * Publishes `count` QoS 1 messages whose payloads are the numbers `from`…`from+count-1`, keeping at
 * most `window` unacknowledged (Mosquitto drops past its queue limit; a window keeps memory flat).
 * Resolves once every one was acknowledged; `onAcked` sees the running total.
 */
export function publishNumbered(
  publish: (topic: string, payload: string) => Promise<unknown>,
  topic: string,
  { from = 0, count, window = 100, onAcked }: NumberedOptions,
): Promise<void> {
  let next = from;
  const end = from + count;
  let inFlight = 0;
  let acked = 0;
  return new Promise((resolve, reject) => {
    const pump = () => {
      while (inFlight < window && next < end) {
        inFlight++;
        publish(topic, String(next++)).then(() => {
          inFlight--;
          acked++;
          onAcked?.(acked);
          if (next < end) pump();
          else if (inFlight === 0) resolve();
        }, reject);
      }
    };
    pump();
  });
}

export interface NumberedOptions {
  readonly from?: number;
  readonly count: number;
  readonly window?: number;
  readonly onAcked?: (acked: number) => void;
}

/** A raw mqtt.js client as a `publishNumbered` target, at QoS 1. */
export function rawPublisher(client: MqttClient): (topic: string, payload: string) => Promise<unknown> {
  return (topic, payload) => client.publishAsync(topic, payload, { qos: 1 });
}

/** Numbers in `0…count-1` missing from `seen`. */
export function missing(seen: Iterable<string>, count: number, from = 0): number[] {
  const got = new Set(seen);
  const absent: number[] = [];
  for (let n = from; n < from + count; n++) if (!got.has(String(n))) absent.push(n);
  return absent;
}
