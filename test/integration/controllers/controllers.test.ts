import 'reflect-metadata';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { MqttClient } from 'mqtt';
import {
  Ctx,
  InvalidTopicError,
  type MqttApp,
  type MqttAppOptions,
  MqttContext,
  MqttController,
  OnConnect,
  OnMessage,
  Params,
  Payload,
  Topic,
  TopicParam,
} from '../../../src/index.js';
import { brokerSuite } from '../../helpers/broker-suite.js';
import { Recorder } from '../../helpers/recorder.js';
import { targets } from '../../helpers/targets.js';

/** Barrier: a message on `done/<id>` handled means every message published before it was delivered. */
@MqttController('done')
class BarrierController {
  static readonly seen = new Recorder<string>();
  @Topic('+id')
  done(@TopicParam('id') id: string) {
    BarrierController.seen.record(id);
  }
}

let barrierCount = 0;
async function barrier(publisher: MqttClient): Promise<void> {
  const id = String(++barrierCount);
  await publisher.publishAsync(`done/${id}`, '', { qos: 1 });
  await BarrierController.seen.waitFor(barrierCount, 5000);
  assert.equal(BarrierController.seen.calls.at(-1), id);
}

for (const target of targets) {
  describe(`controllers on ${target.name}`, { skip: target.skip }, () => {
    const suite = brokerSuite(target);
    // One app at a time (the default): each has its own BarrierController.
    const start = (options: MqttAppOptions): Promise<MqttApp> =>
      suite.start({ ...options, controllers: [BarrierController, ...(options.controllers ?? [])] });

    before(() => {
      barrierCount = 0;
      BarrierController.seen.calls.length = 0;
    });

    it('discovers handlers through inheritance and extracts named parameters', async () => {
      const seen = new Recorder<{
        id: string;
        params: Record<string, string>;
        body: unknown;
        base: boolean;
      }>();
      class Base {
        @Topic('+deviceId/status/#rest', { qos: 1 })
        status(
          @TopicParam('deviceId') id: string,
          @Params() params: Record<string, string>,
          @Payload() body: unknown,
        ) {
          seen.record({ id, params, body, base: true });
        }
      }
      @MqttController('inherit')
      class Derived extends Base {}
      await start({ controllers: [Derived] });
      await suite.publisher.publishAsync('inherit/kitchen/status/a/b', '{"on":true}', { qos: 1 });
      const [call] = await seen.waitFor(1);
      assert.deepEqual(call, {
        id: 'kitchen',
        params: { deviceId: 'kitchen', rest: 'a/b' },
        body: { on: true },
        base: true,
      });
    });

    it('runs both overlapping handlers exactly once per message', async () => {
      const wide = new Recorder<string>();
      const narrow = new Recorder<string>();
      @MqttController('overlap')
      class Overlap {
        @Topic('#', { qos: 1 })
        all(ctx: MqttContext) {
          wide.record(ctx.topic);
        }
        @Topic('+id/temperature', { qos: 1 })
        temperature(@Ctx() ctx: MqttContext) {
          narrow.record(ctx.params.id!);
        }
      }
      await start({ controllers: [Overlap] });
      for (let i = 0; i < 5; i++)
        await suite.publisher.publishAsync(`overlap/d${i}/temperature`, String(i), { qos: 1 });
      await suite.publisher.publishAsync('overlap/d9/humidity', '1', { qos: 0 });
      await barrier(suite.publisher);
      assert.deepEqual(narrow.calls, ['d0', 'd1', 'd2', 'd3', 'd4']);
      assert.equal(wide.count, 6);
      assert.equal(new Set(wide.calls).size, 6);
    });

    it('keeps each handler to one run per message when a runtime subscription overlaps an active one', async () => {
      const wide = new Recorder<string>();
      const narrow = new Recorder<string>();
      const identifiers: unknown[] = [];
      @MqttController('recolour')
      class Recolour {
        @Topic('#', { qos: 1 })
        all(@Ctx() ctx: MqttContext) {
          wide.record(ctx.topic);
          identifiers.push(ctx.properties?.subscriptionIdentifier);
        }
      }
      const app = await start({ controllers: [Recolour] });
      await suite.publisher.publishAsync('recolour/a/t', '0', { qos: 1 });
      await wide.waitFor(1);
      // Overlapping nothing, the subscription carries no identifier: no properties to parse.
      assert.equal(identifiers[0], undefined);
      await app.service.subscribe('recolour/+/t', (ctx) => narrow.record(ctx.topic), { qos: 1 });
      for (let i = 1; i <= 3; i++) await suite.publisher.publishAsync('recolour/a/t', String(i), { qos: 1 });
      await suite.publisher.publishAsync('recolour/b/x', '4', { qos: 1 });
      await barrier(suite.publisher);
      assert.equal(narrow.count, 3);
      assert.equal(wide.count, 5);
      if (target.protocolVersion === 5) {
        // Now overlapped, it was given an identifier and quietly re-sent.
        assert.equal(typeof identifiers.at(-1), 'number');
      }
    });

    it('gives unmatched messages to @OnMessage and keeps running after handlers throw or reject', async () => {
      const errors = new Recorder<{ error: Error; handler: string | undefined }>();
      const fallback = new Recorder<string>();
      const handled = new Recorder<string>();
      @MqttController('faulty')
      class Faulty {
        @Topic('throw')
        throws() {
          throw new Error('sync boom');
        }
        @Topic('reject')
        async rejects() {
          await Promise.resolve();
          throw new Error('async boom');
        }
        @Topic('ok')
        ok(@Payload() text: string) {
          handled.record(text);
        }
        @OnMessage()
        unmatched(ctx: MqttContext) {
          fallback.record(ctx.topic);
        }
      }
      const app = await start({
        controllers: [Faulty],
        onError: (error, ctx) => errors.record({ error, handler: ctx?.handler }),
      });
      // A runtime subscription without a handler: its messages have no handler, so they go to @OnMessage.
      await app.service.subscribe('faulty/unhandled/+');
      await suite.publisher.publishAsync('faulty/throw', 'x', { qos: 1 });
      await suite.publisher.publishAsync('faulty/reject', 'x', { qos: 1 });
      await suite.publisher.publishAsync('faulty/unhandled/1', 'x', { qos: 1 });
      await suite.publisher.publishAsync('faulty/ok', 'fine', { qos: 1 });
      await handled.waitFor(1);
      await errors.waitFor(2);
      await fallback.waitFor(1);
      assert.deepEqual(errors.calls.map((e) => [e.error.message, e.handler]).sort(), [
        ['async boom', 'Faulty.rejects'],
        ['sync boom', 'Faulty.throws'],
      ]);
      assert.deepEqual(fallback.calls, ['faulty/unhandled/1']);
      assert.deepEqual(handled.calls, ['fine']);
    });

    it('subscribes, unsubscribes and unsubscribes all at runtime', async () => {
      const app = await start({});
      const got = new Recorder<string>();
      const result = await app.service.subscribe(
        'runtime/+room/light',
        (ctx) => got.record(ctx.params.room!),
        { qos: 1 },
      );
      assert.equal(result.filter, 'runtime/+/light');
      assert.equal(result.qos, 1);
      await app.service.subscribe('runtime/other', (ctx) => got.record(ctx.topic));
      assert.deepEqual(
        app.service.topics
          .filter((t) => t.filter.startsWith('runtime'))
          .map((t) => [t.filter, t.qos, t.state]),
        [
          ['runtime/+/light', 1, 'active'],
          ['runtime/other', 0, 'active'],
        ],
      );
      await suite.publisher.publishAsync('runtime/hall/light', 'on', { qos: 1 });
      await got.waitFor(1);
      assert.equal(await app.service.unsubscribe('runtime/+room/light'), true);
      assert.equal(await app.service.unsubscribe('runtime/never'), false);
      await suite.publisher.publishAsync('runtime/hall/light', 'off', { qos: 1 });
      await suite.publisher.publishAsync('runtime/other', 'x', { qos: 1 });
      await got.waitFor(2);
      assert.deepEqual(got.calls, ['hall', 'runtime/other']);
      assert.deepEqual(await app.service.unsubscribeAll(), ['runtime/other']);
      await suite.publisher.publishAsync('runtime/other', 'y', { qos: 1 });
      await barrier(suite.publisher);
      assert.equal(got.count, 2);
      // Controller subscriptions survive unsubscribeAll.
      assert.ok(app.service.topics.some((t) => t.filter === 'done/+'));
    });

    it('activates subscriptions made before start()', async () => {
      const got = new Recorder<string>();
      const app = suite.create();
      const subscribed = app.service.subscribe('early/+', (ctx) => got.record(ctx.topic), { qos: 1 });
      assert.equal(app.service.topics[0]?.state, 'pending');
      await app.start();
      assert.equal((await subscribed).qos, 1);
      await suite.publisher.publishAsync('early/a', '1', { qos: 1 });
      assert.deepEqual(await got.waitFor(1), ['early/a']);
    });

    it('rejects a publish to an invalid topic or with invalid flags, and sends nothing', async () => {
      const app = await start({});
      const wildcardSeen = new Recorder<string>();
      await app.service.subscribe('#', (ctx) => wildcardSeen.record(ctx.topic));
      const notAString = 42 as unknown as string;
      for (const bad of ['a/+', 'a/#', '', 'a\u0000b', 'x'.repeat(65_536), notAString]) {
        await assert.rejects(app.service.publish(bad, 'x'), InvalidTopicError);
      }
      await assert.rejects(app.service.publish('ok', 'x', { qos: 5 as 1 }), /qos must be 0, 1 or 2, got 5/);
      await assert.rejects(
        app.service.publish('ok', 'x', { retain: 'yes' as unknown as boolean }),
        /retain must be a boolean, got "yes"/,
      );
      assert.throws(() => app.service.onTopic(notAString, () => {}), InvalidTopicError);
      await barrier(suite.publisher);
      assert.deepEqual(
        wildcardSeen.calls.filter((t) => !t.startsWith('done/')),
        [],
      );
    });

    it('publishes JSON, text and bytes, and resolves after the broker acknowledged QoS 1', async () => {
      const app = await start({});
      const got = new Recorder<Buffer>();
      await app.service.subscribe('pub/+', (ctx) => got.record(ctx.payload), { qos: 1 });
      const result = await app.service.publish('pub/json', { a: 1 }, { qos: 1 });
      assert.equal(typeof result.messageId, 'number');
      await app.service.publish('pub/text', 'héllo');
      await app.service.publish('pub/bytes', Buffer.from([0xff, 0x00, 0xfe]));
      const [json, text, bytes] = await got.waitFor(3);
      assert.equal(json!.toString(), '{"a":1}');
      assert.equal(text!.toString(), 'héllo');
      assert.deepEqual([...bytes!], [0xff, 0x00, 0xfe]);
    });

    it('gets controllers from the container, and runs @OnConnect after subscribing', async () => {
      class Store {
        readonly values: string[] = [];
      }
      const store = new Store();
      const connected = new Recorder<boolean>();
      @MqttController('di')
      class WithDeps {
        constructor(private readonly store: Store) {}
        @Topic('value')
        value(@Payload() value: string) {
          this.store.values.push(value);
        }
        @OnConnect()
        ready(info: { reconnect: boolean }) {
          connected.record(info.reconnect);
        }
      }
      const container = {
        get<T>(cls: new (...args: never[]) => T): T {
          return (cls === (WithDeps as unknown) ? new WithDeps(store) : new (cls as new () => T)()) as T;
        },
      };
      await start({ controllers: [WithDeps], container });
      assert.deepEqual(connected.calls, [false]);
      await suite.publisher.publishAsync('di/value', '42', { qos: 1 });
      await barrier(suite.publisher);
      assert.deepEqual(store.values, ['42']);
    });
  });
}
