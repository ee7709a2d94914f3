import mqtt from 'mqtt';
import { type Constructable, createMqttApp, type QoS, silentLogger } from '../../src/index.js';
import { sink } from './sink.js';

/** A subscriber under test, connected; `close()` disconnects it (its session stays when persistent). */
export interface Subscriber {
  close(): Promise<void>;
}

export interface OpenOptions {
  readonly url: string;
  readonly clientId: string;
  /** Keep the session (and the messages queued for it) across disconnects. */
  readonly persistent: boolean;
}

/** One way of receiving the readings: raw mqtt.js, or a koa-mqtt app (named by its spec, candidates.ts). */
export interface Candidate {
  open(options: OpenOptions): Promise<Subscriber>;
}

/**
 * Baseline (a): a raw mqtt.js client on `sensors/+/temperature` that takes the device id,
 * parses the JSON and counts; with `subscriptionIdentifier`, its SUBSCRIBE carries one (then
 * every PUBLISH it gets has a properties section to parse).
 */
export function rawCandidate(
  qos: QoS,
  options: { readonly subscriptionIdentifier?: number } = {},
): Candidate {
  return {
    async open({ url, clientId, persistent }) {
      const client = mqtt.connect(url, {
        clientId,
        protocolVersion: 5,
        clean: !persistent,
        properties: persistent ? { sessionExpiryInterval: 3600 } : {},
        reconnectPeriod: 0,
      });
      client.on('message', (topic, payload) => {
        const deviceId = topic.split('/')[1];
        const body = JSON.parse(payload.toString()) as { celsius: number; t?: number };
        sink.hit(deviceId, body.t);
      });
      // The same socket setting as koa-mqtt's default (`noDelay`), so both do the same work.
      client.on('connect', () =>
        (client.stream as { setNoDelay?: (on: boolean) => unknown }).setNoDelay?.(true),
      );
      await new Promise<void>((resolve, reject) => {
        client.once('connect', () => resolve());
        client.once('error', reject);
      });
      const { subscriptionIdentifier } = options;
      await client.subscribeAsync('sensors/+/temperature', {
        qos,
        ...(subscriptionIdentifier === undefined ? {} : { properties: { subscriptionIdentifier } }),
      });
      return { close: () => client.endAsync() };
    },
  };
}

/** A koa-mqtt app with these controllers (MQTT 5, silent logger). */
export function appCandidate(controllers: Constructable[]): Candidate {
  return {
    async open({ url, clientId, persistent }) {
      const app = createMqttApp({
        url,
        clientId,
        protocolVersion: 5,
        clean: !persistent,
        ...(persistent ? { sessionExpiryInterval: 3600 } : {}),
        logger: silentLogger,
        controllers,
      });
      await app.start();
      return { close: () => app.stop() };
    },
  };
}
