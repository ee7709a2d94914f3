import assert from 'node:assert/strict';
import { after, afterEach, before } from 'node:test';
import type { MqttClient } from 'mqtt';
import {
  createMqttApp,
  type MqttApp,
  type MqttAppOptions,
  MqttController,
  silentLogger,
  Topic,
  TopicParam,
} from '../../src/index.js';
import { ClientPool } from '../helpers/clients.js';
import { Recorder } from '../helpers/recorder.js';
import type { BrokerProfile, RunningBroker } from './profiles.js';

/** The app options of a suite app. */
export type ConformanceAppOptions = MqttAppOptions;

/** One broker per test file, a raw publisher on it, and apps that are stopped after each test. */
export interface ConformanceKit {
  readonly profile: BrokerProfile;
  readonly broker: RunningBroker;
  /** A raw mqtt.js client speaking the broker's protocol. */
  readonly publisher: MqttClient;
  readonly pool: ClientPool;
  /** A topic prefix unique to the test: `{profile.id}/{n}`. */
  topic(name: string): string;
  /**
   * An app on the broker: the profile's protocol option, `brokerLimits` and credentials, silent,
   * fast reconnects; a barrier controller on `{prefix}/barrier/+id` is always added.
   */
  create(options?: ConformanceAppOptions): MqttApp;
  start(options?: ConformanceAppOptions): Promise<MqttApp>;
  /**
   * Publishes a QoS 1 message on the barrier topic and waits until the app's barrier handler got
   * it: everything the same publisher sent before has been delivered (one connection, in order).
   */
  barrier(app: MqttApp, publisher?: MqttClient): Promise<void>;
  /**
   * The app is still connected and serving: `connected`, no connection lost since it was created,
   * a message from the raw publisher reaches it, and a QoS 1 publish of its own is acknowledged
   * and delivered back to it.
   */
  assertStillConnected(app: MqttApp): Promise<void>;
  /** How many times `app` lost its connection (offline events) since it was created. */
  lostConnections(app: MqttApp): number;
}

/** Registers the kit's hooks; call inside the `describe` body. */
export function conformanceKit(profile: BrokerProfile): ConformanceKit {
  let broker: RunningBroker | undefined;
  let publisher: MqttClient | undefined;
  const pool = new ClientPool();
  const apps: MqttApp[] = [];
  const barriers = new WeakMap<MqttApp, Recorder<string>>();
  const barrierTopics = new WeakMap<MqttApp, string>();
  const lost = new WeakMap<MqttApp, { count: number }>();
  let topics = 0;
  let barrierIds = 0;

  before(async () => {
    const started = performance.now();
    broker = await profile.start();
    console.log(`${profile.name}: broker started in ${Math.round(performance.now() - started)} ms`);
    publisher = await pool.connect(broker.url, {
      protocolVersion: profile.protocol === '5' ? 5 : 4,
      ...broker.credentials,
    });
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.stop()));
  });
  after(async () => {
    await Promise.all(apps.splice(0).map((app) => app.stop()));
    await pool.closeAll();
    await broker?.close();
  });

  const kit: ConformanceKit = {
    profile,
    get broker() {
      if (!broker) throw new Error('the broker is not started yet (use it inside a test)');
      return broker;
    },
    get publisher() {
      if (!publisher) throw new Error('the publisher is not connected yet (use it inside a test)');
      return publisher;
    },
    pool,
    topic: (name) => `${profile.id}/${++topics}/${name}`,
    create: (options = {}) => {
      const prefix = kit.topic('barrier');
      const seen = new Recorder<string>();
      @MqttController(prefix)
      class Barrier {
        @Topic('+id', { qos: 1 })
        on(@TopicParam('id') id: string) {
          seen.record(id);
        }
      }
      const app = createMqttApp(
        withProfile(profile, kit.broker, {
          ...options,
          controllers: [Barrier, ...(options.controllers ?? [])],
        }),
      );
      barrierTopics.set(app, prefix);
      barriers.set(app, seen);
      const offline = { count: 0 };
      lost.set(app, offline);
      app.service.events.on('offline', () => {
        offline.count++;
      });
      apps.push(app);
      return app;
    },
    start: async (options = {}) => {
      const app = kit.create(options);
      await app.start();
      return app;
    },
    barrier: async (app, from = kit.publisher) => {
      const seen = barriers.get(app);
      const prefix = barrierTopics.get(app);
      if (!seen || !prefix) throw new Error('barrier: not an app of this kit');
      const id = String(++barrierIds);
      await from.publishAsync(`${prefix}/${id}`, '', { qos: 1 });
      await waitForValue(seen, id);
    },
    lostConnections: (app) => lost.get(app)?.count ?? 0,
    assertStillConnected: async (app) => {
      assert.equal(app.service.connected, true, 'the app is connected');
      await kit.barrier(app);
      const prefix = barrierTopics.get(app)!;
      const id = `alive-${++barrierIds}`;
      await app.service.publish(`${prefix}/${id}`, '', { qos: 1 });
      await waitForValue(barriers.get(app)!, id);
      assert.equal(kit.lostConnections(app), 0, 'no connection was lost');
    },
  };
  return kit;
}

function withProfile(
  profile: BrokerProfile,
  broker: RunningBroker,
  options: ConformanceAppOptions,
): MqttAppOptions {
  const limits = Object.keys(profile.brokerLimits).length > 0 ? { brokerLimits: profile.brokerLimits } : {};
  const merged: ConformanceAppOptions = {
    url: broker.url,
    logger: silentLogger,
    reconnectPeriod: 100,
    ...(profile.protocolVersion ? { protocolVersion: profile.protocolVersion } : {}),
    ...broker.credentials,
    ...limits,
    ...options,
  };
  return merged;
}

async function waitForValue(recorder: Recorder<string>, value: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let count = 1; !recorder.calls.includes(value); count = recorder.count + 1) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`barrier ${value} not handled within ${timeoutMs} ms`);
    await recorder.waitFor(count, left).catch(() => undefined);
  }
}
