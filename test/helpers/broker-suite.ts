import { after, afterEach, before } from 'node:test';
import type { MqttClient } from 'mqtt';
import { createMqttApp, type MqttApp, type MqttAppOptions, silentLogger } from '../../src/index.js';
import { ClientPool } from './clients.js';
import type { BrokerTarget, RunningBroker } from './targets.js';

/** One broker for a `describe` block, a raw publisher on it, and apps that are always stopped. */
export interface BrokerSuite {
  /** The broker's URL (started in the suite's `before`). */
  readonly url: string;
  /** A raw mqtt.js client on the broker, speaking the target's protocol. */
  readonly publisher: MqttClient;
  readonly pool: ClientPool;
  /** An app on the suite's broker (target protocol, silent logger), tracked for stopping. */
  create(options?: MqttAppOptions): MqttApp;
  /** `create`, then `start()`. */
  start(options?: MqttAppOptions): Promise<MqttApp>;
  /** Tracks an app made elsewhere, so that it is stopped too. */
  track(app: MqttApp): MqttApp;
}

export interface BrokerSuiteOptions {
  /** Stop the apps after each test (default) or once, after the suite. */
  readonly stopApps?: 'each' | 'suite';
}

/** Registers the suite's hooks; call it inside `describe`. */
export function brokerSuite(
  target: BrokerTarget,
  { stopApps = 'each' }: BrokerSuiteOptions = {},
): BrokerSuite {
  let broker: RunningBroker | undefined;
  let publisher: MqttClient | undefined;
  const pool = new ClientPool();
  const apps: MqttApp[] = [];
  const stopAll = () => Promise.all(apps.splice(0).map((app) => app.stop()));

  before(async () => {
    broker = await target.start();
    publisher = await pool.connect(broker.url, { protocolVersion: target.protocolVersion ?? 4 });
  });
  if (stopApps === 'each') afterEach(stopAll);
  after(async () => {
    await stopAll();
    await pool.closeAll();
    await broker?.close();
  });

  const suite: BrokerSuite = {
    get url() {
      if (!broker) throw new Error('the suite broker is not started yet (use it inside a test)');
      return broker.url;
    },
    get publisher() {
      if (!publisher) throw new Error('the suite publisher is not connected yet (use it inside a test)');
      return publisher;
    },
    pool,
    create: (options = {}) =>
      suite.track(
        createMqttApp({
          url: suite.url,
          protocolVersion: target.protocolVersion,
          logger: silentLogger,
          ...options,
        }),
      ),
    start: async (options = {}) => {
      const app = suite.create(options);
      await app.start();
      return app;
    },
    track: (app) => {
      apps.push(app);
      return app;
    },
  };
  return suite;
}
