import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { type MqttApp, MqttController, Payload, Topic } from '../../../src/index.js';
import { describeBroker } from '../../helpers/brokers/available.js';
import { startMosquittoWithDuplicates } from '../../helpers/brokers/mosquitto.js';
import { faultKit } from '../../helpers/fault-kit.js';
import { startMosquitto } from '../../helpers/mosquitto.js';
import { Recorder } from '../../helpers/recorder.js';
import { waitFor, withTimeout } from '../../helpers/wait.js';

/**
 * Retained replays on MQTT 3.1.1 (no subscription identifiers), on Mosquitto: it replays a
 * retained message once per matching filter of a SUBSCRIBE, with RETAIN set. Each handler gets
 * the replay of its own subscription once; after a reconnect without the session every filter is
 * subscribed again, and every handler gets the replay again, once.
 */
function overlapping(seen: Recorder<string>, prefix: string) {
  @MqttController(prefix)
  class Overlapping {
    @Topic('#', { qos: 1 })
    all(@Payload() body: string) {
      seen.record(`all ${body}`);
    }
    @Topic('+room/temp', { qos: 1 })
    temp(@Payload() body: string) {
      seen.record(`temp ${body}`);
    }
    @Topic('kitchen/temp', { qos: 1 })
    kitchen(@Payload() body: string) {
      seen.record(`kitchen ${body}`);
    }
  }
  return Overlapping;
}

/** Drops the app's connection and resolves at the reconnect's CONNACK. */
async function dropAndReconnect(app: MqttApp): Promise<void> {
  const reconnected = withTimeout(
    new Promise<void>((resolve) => app.service.events.once('connect', () => resolve())),
    15_000,
    'reconnect',
  );
  app.service.client!.stream.destroy();
  await reconnected;
}

for (const [name, start, brokerLimits] of [
  ['Mosquitto 3.1.1 (one copy per message)', () => startMosquitto(), {}],
  [
    'Mosquitto 3.1.1 with allow_duplicate_messages (covering set)',
    () => startMosquittoWithDuplicates(),
    { copyPerSubscription: true },
  ],
] as const) {
  describeBroker('mosquitto', `retained replays without subscription identifiers: ${name}`, () => {
    const kit = faultKit();
    let broker: { url: string; close(): Promise<void> };
    let runs = 0;
    before(async () => {
      broker = await start();
    });
    after(() => broker?.close());

    it('overlapping @Topic filters: each handler gets the replay once, and once again after a reconnect without session', async () => {
      const prefix = `home-${++runs}`;
      const raw = await kit.pool.connect(broker.url);
      await raw.publishAsync(`${prefix}/kitchen/temp`, '21', { qos: 1, retain: true });
      const seen = new Recorder<string>();
      const app = kit.app({
        url: broker.url,
        protocolVersion: 4,
        brokerLimits,
        controllers: [overlapping(seen, prefix)],
      });
      await app.start();
      // A live message after the replay: once it ran its three handlers, the replay is over.
      await raw.publishAsync(`${prefix}/kitchen/temp`, 'live', { qos: 1 });
      await seen.waitFor(6);
      await raw.publishAsync(`${prefix}/kitchen/temp`, 'end', { qos: 1 });
      await seen.waitFor(9);
      assert.deepEqual([...seen.calls].sort(), [
        'all 21',
        'all end',
        'all live',
        'kitchen 21',
        'kitchen end',
        'kitchen live',
        'temp 21',
        'temp end',
        'temp live',
      ]);
      // clean: true, so the broker forgets the session: every filter is sent again and replayed.
      await dropAndReconnect(app);
      await seen.waitFor(12); // the replays of the new SUBSCRIBE
      await raw.publishAsync(`${prefix}/kitchen/temp`, 'after', { qos: 1 });
      await seen.waitFor(15);
      assert.deepEqual(seen.calls.slice(9).sort(), [
        'all 21',
        'all after',
        'kitchen 21',
        'kitchen after',
        'temp 21',
        'temp after',
      ]);
      await raw.publishAsync(`${prefix}/kitchen/temp`, '', { qos: 1, retain: true });
    });

    it('a runtime subscription overlapping active ones: the replay goes to the new handler only', async () => {
      const prefix = `rt-${++runs}`;
      const raw = await kit.pool.connect(broker.url);
      await raw.publishAsync(`${prefix}/b/c`, 'kept', { qos: 1, retain: true });
      const app = kit.app({ url: broker.url, protocolVersion: 4, brokerLimits });
      await app.start();
      const seen = new Recorder<string>();
      await app.service.subscribe(`${prefix}/+/c`, (ctx) => seen.record(`+c ${ctx.text()}`), { qos: 1 });
      await seen.waitFor(1);
      await app.service.subscribe(`${prefix}/b/+`, (ctx) => seen.record(`b+ ${ctx.text()}`), { qos: 1 });
      await seen.waitFor(2);
      await raw.publishAsync(`${prefix}/b/c`, 'live', { qos: 1 });
      await seen.waitFor(4);
      assert.deepEqual(seen.calls.slice(0, 2), ['+c kept', 'b+ kept']);
      assert.deepEqual(seen.calls.slice(2).sort(), ['+c live', 'b+ live']);
      await raw.publishAsync(`${prefix}/b/c`, '', { qos: 1, retain: true });
    });

    it('a message retained after a handler subscribed is not replayed to it by a later overlapping SUBSCRIBE', async () => {
      const prefix = `late-${++runs}`;
      const raw = await kit.pool.connect(broker.url);
      const app = kit.app({ url: broker.url, protocolVersion: 4, brokerLimits });
      await app.start();
      const wide = new Recorder<string>();
      const exact = new Recorder<string>();
      await app.service.subscribe(`${prefix}/+`, (ctx) => wide.record(ctx.text()), { qos: 1 });
      await raw.publishAsync(`${prefix}/c`, 'new', { qos: 1, retain: true }); // live: RETAIN cleared
      await wide.waitFor(1);
      await app.service.subscribe(`${prefix}/c`, (ctx) => exact.record(ctx.text()), { qos: 1 });
      // With a covering set, `${prefix}/+` already covers it: nothing is sent, so no replay.
      const replay = 'copyPerSubscription' in brokerLimits ? [] : ['new'];
      await raw.publishAsync(`${prefix}/c`, 'end', { qos: 1 });
      // 'end' comes after any replay on the one connection: once both ran it, nothing else is due.
      await waitFor(() => wide.calls.includes('end') && exact.calls.includes('end'), {
        timeout: 10_000,
        message: 'the live message after the SUBSCRIBE',
      });
      assert.deepEqual(
        { wide: wide.calls, exact: exact.calls },
        { wide: ['new', 'end'], exact: [...replay, 'end'] },
      );
      await raw.publishAsync(`${prefix}/c`, '', { qos: 1, retain: true });
    });
  });
}
