import { after } from 'node:test';
import { createMqttApp, type MqttApp, type MqttAppOptions, silentLogger } from '../../src/index.js';
import { ChildApp } from './child-app.js';
import { ClientPool } from './clients.js';
import { type MosquittoBroker, type MosquittoOptions, startMosquitto } from './mosquitto.js';

/** Brokers, apps, child apps and raw clients a fault suite starts, all cleaned up in its `after`. */
export interface FaultKit {
  readonly pool: ClientPool;
  /** A Mosquitto of the suite's own (its own config, port and directory). */
  broker(options?: MosquittoOptions): Promise<MosquittoBroker>;
  /** An app (silent logger and the kit's defaults, then `options`); not started. */
  app(options: MqttAppOptions): MqttApp;
  /** The delivery fixture app in a child process. */
  child(env: Record<string, string>): ChildApp;
}

/** Fast reconnects: fault tests restart brokers and drop connections. */
export const FAST_RECONNECT: MqttAppOptions = { reconnectPeriod: 50, reconnectMaxPeriod: 400 };

/** Registers the cleanup hook; call it inside `describe`. */
export function faultKit(defaults: MqttAppOptions = FAST_RECONNECT): FaultKit {
  const pool = new ClientPool();
  const apps: MqttApp[] = [];
  const brokers: MosquittoBroker[] = [];
  const children: ChildApp[] = [];
  after(async () => {
    await Promise.all(children.map((c) => c.kill()));
    await Promise.all(apps.map((a) => a.stop()));
    await pool.closeAll();
    await Promise.all(brokers.map((b) => b.close()));
  });
  return {
    pool,
    async broker(options = {}) {
      const started = await startMosquitto(options);
      brokers.push(started);
      return started;
    },
    app(options) {
      const created = createMqttApp({ logger: silentLogger, ...defaults, ...options });
      apps.push(created);
      return created;
    },
    child(env) {
      const created = new ChildApp(env);
      children.push(created);
      return created;
    },
  };
}
