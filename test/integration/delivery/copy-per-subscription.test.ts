import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { Packet } from 'mqtt';
import { type MqttApp, MqttController, Payload, Topic, TopicName } from '../../../src/index.js';
import { describeBroker } from '../../helpers/brokers/available.js';
import { startMosquittoWithDuplicates } from '../../helpers/brokers/mosquitto.js';
import { startNats } from '../../helpers/brokers/nats.js';
import { faultKit } from '../../helpers/fault-kit.js';
import { Recorder } from '../../helpers/recorder.js';

/** Handlers whose filters overlap: one message on `home/kitchen/temp` matches all three. */
function overlappingController(seen: Recorder<string>) {
  @MqttController('home')
  class Overlapping {
    @Topic('+room/temp', { qos: 1 })
    temp(@TopicName() topic: string, @Payload() body: string): void {
      seen.record(`temp ${topic} ${body}`);
    }
    @Topic('kitchen/+', { qos: 1 })
    kitchen(@TopicName() topic: string, @Payload() body: string): void {
      seen.record(`kitchen ${topic} ${body}`);
    }
    @Topic('#', { qos: 0 })
    everything(@TopicName() topic: string, @Payload() body: string): void {
      seen.record(`everything ${topic} ${body}`);
    }
  }
  return Overlapping;
}

/** The filters the app's client sends in SUBSCRIBE packets. */
function subscribedFilters(app: MqttApp): string[] {
  const filters: string[] = [];
  app.service.client!.on('packetsend', (packet: Packet) => {
    if (packet.cmd === 'subscribe') filters.push(...packet.subscriptions.map((s) => s.topic));
  });
  return filters;
}

for (const [program, name, start] of [
  ['nats-server', 'NATS', () => startNats()],
  ['mosquitto', 'Mosquitto 3.1.1 with allow_duplicate_messages true', () => startMosquittoWithDuplicates()],
] as const) {
  describeBroker(program, `one run per handler on ${name} (one copy per matching subscription)`, () => {
    const kit = faultKit();
    let broker: { url: string; close(): Promise<void> };
    before(async () => {
      broker = await start();
    });
    after(() => broker?.close());

    it('without copyPerSubscription each overlapping handler runs once per copy (the problem)', async () => {
      const seen = new Recorder<string>();
      const app = kit.app({
        url: broker.url,
        protocolVersion: 4,
        controllers: [overlappingController(seen)],
      });
      await app.start();
      const raw = await kit.pool.connect(broker.url);
      await raw.publishAsync('home/kitchen/temp', '21', { qos: 1 });
      // Three matching subscriptions: three copies, each running the three handlers.
      await seen.waitFor(9);
    });

    it('with copyPerSubscription each handler runs exactly once, and unwanted topics run nothing', async () => {
      const seen = new Recorder<string>();
      const fallback = new Recorder<string>();
      const app = kit.app({
        url: broker.url,
        protocolVersion: 4,
        controllers: [overlappingController(seen)],
        brokerLimits: { copyPerSubscription: true },
        onMessage: (ctx: { topic: string }) => fallback.record(ctx.topic),
      });
      await app.start();
      assert.equal(app.service.capabilities.copyPerSubscription, true);
      assert.deepEqual(app.subscriber.covering.wireFilters, ['home/#']);
      const sent = subscribedFilters(app);
      // A runtime subscription outside the covered tree, and one inside it (no new SUBSCRIBE).
      const runtime = new Recorder<string>();
      await app.service.subscribe('office/+/co2', (ctx) => runtime.record(ctx.topic), { qos: 1 });
      await app.service.subscribe('home/+/humidity', (ctx) => runtime.record(ctx.topic), { qos: 1 });
      assert.deepEqual(sent, ['office/+/co2']);
      const raw = await kit.pool.connect(broker.url);
      await raw.publishAsync('home/kitchen/temp', '21', { qos: 1 });
      await raw.publishAsync('home/hall/humidity', '40', { qos: 1 });
      await raw.publishAsync('office/1/co2', '400', { qos: 1 });
      await raw.publishAsync('home/kitchen/done', 'end', { qos: 1 });
      const expected = [
        'everything home/kitchen/temp 21',
        'everything home/hall/humidity 40',
        'everything home/kitchen/done end',
        'kitchen home/kitchen/done end',
        'kitchen home/kitchen/temp 21',
        'temp home/kitchen/temp 21',
      ];
      await seen.waitFor(expected.length);
      await runtime.waitFor(2);
      // The last message ran two handlers after all earlier ones: nothing more is coming for them.
      assert.deepEqual([...seen.calls].sort(), expected.sort());
      assert.deepEqual(runtime.calls.sort(), ['home/hall/humidity', 'office/1/co2']);
      assert.deepEqual(fallback.calls, []);
    });

    it('a covering filter wider than every wanted one: unmatched topics reach no handler and no fallback', async () => {
      const got = new Recorder<string>();
      const fallback = new Recorder<string>();
      const app = kit.app({
        url: broker.url,
        protocolVersion: 4,
        brokerLimits: { copyPerSubscription: true },
        onMessage: (ctx: { topic: string }) => fallback.record(ctx.topic),
      });
      await app.start();
      await app.service.subscribe('w/+/c', (ctx) => got.record(`+c ${ctx.topic}`), { qos: 1 });
      await app.service.subscribe('w/b/+', (ctx) => got.record(`b+ ${ctx.topic}`), { qos: 1 });
      assert.deepEqual(app.subscriber.covering.wireFilters, ['w/+/+']);
      const raw = await kit.pool.connect(broker.url);
      await raw.publishAsync('w/x/y', 'unwanted', { qos: 1 });
      await raw.publishAsync('w/b/c', 'both', { qos: 1 });
      assert.deepEqual((await got.waitFor(2)).sort(), ['+c w/b/c', 'b+ w/b/c']);
      assert.deepEqual(fallback.calls, []);
      // Unsubscribing one leaves the other's own filter on the broker.
      await app.service.unsubscribe('w/+/c');
      assert.deepEqual(app.subscriber.covering.wireFilters, ['w/b/+']);
      await raw.publishAsync('w/b/z', 'after', { qos: 1 });
      await got.waitFor(3);
      assert.equal(got.calls[2], 'b+ w/b/z');
    });
  });
}
