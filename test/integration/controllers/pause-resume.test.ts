import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MqttClient } from 'mqtt';
import {
  type MqttApp,
  type MqttAppOptions,
  type MqttContext,
  MqttController,
  MqttUsageError,
  OnMessage,
  Topic,
  TopicParam,
} from '../../../src/index.js';
import { brokerSuite } from '../../helpers/broker-suite.js';
import { Recorder } from '../../helpers/recorder.js';
import { targets } from '../../helpers/targets.js';
import { onceEvent } from '../../helpers/wait.js';

/** `service.pause()` / `resume()` of controller @Topics, and `unsubscribe()` of one, against real brokers. */

const handled = new Recorder<string>();
const unmatched = new Recorder<string>();
const barriers = new Recorder<string>();

@MqttController('pz')
class Sensors {
  @Topic('+id/temperature')
  temperature(@TopicParam('id') id: string) {
    handled.record(`temperature ${id}`);
  }
  @Topic('+id/humidity')
  humidity(@TopicParam('id') id: string) {
    handled.record(`humidity ${id}`);
  }
}

@MqttController('pz-done')
class Barrier {
  @Topic('+n')
  done(@TopicParam('n') n: string) {
    barriers.record(n);
  }
  /** Whatever the broker still sends without a route: proof that a paused filter was unsubscribed. */
  @OnMessage()
  fallback(ctx: MqttContext) {
    unmatched.record(ctx.topic);
  }
}

let barrierCount = 0;
/** Everything published before it has been delivered (one publisher, QoS 1, in order). */
async function barrier(publisher: MqttClient): Promise<void> {
  const n = String(++barrierCount);
  await publisher.publishAsync(`pz-done/${n}`, '', { qos: 1 });
  await barriers.waitFor(barrierCount, 5000);
}

for (const target of targets) {
  describe(`pause and resume on ${target.name}`, { skip: target.skip }, () => {
    const suite = brokerSuite(target);
    const create = (options: MqttAppOptions = {}): MqttApp =>
      suite.create({ controllers: [Sensors, Barrier], ...options });
    const reset = () => {
      handled.calls.length = 0;
      unmatched.calls.length = 0;
      barriers.calls.length = 0;
      barrierCount = 0;
    };

    it('pause(Controller) unsubscribes its topics at the broker and resume() subscribes them again', async () => {
      reset();
      const app = create();
      await app.start();
      const { publisher } = suite;
      await publisher.publishAsync('pz/a/temperature', '1', { qos: 1 });
      await handled.waitFor(1);

      assert.deepEqual((await app.service.pause(Sensors)).sort(), ['pz/+/humidity', 'pz/+/temperature']);
      assert.deepEqual(app.service.paused.sort(), ['pz/+/humidity', 'pz/+/temperature']);
      assert.ok(!app.service.topics.some((t) => t.filter.startsWith('pz/')), 'paused filters left topics');
      await publisher.publishAsync('pz/b/temperature', '2', { qos: 1 });
      await barrier(publisher);
      assert.deepEqual(handled.calls, ['temperature a']);
      assert.deepEqual(unmatched.calls, [], 'the broker still sent a paused topic');
      assert.deepEqual(await app.service.pause(Sensors), [], 'pausing again changes nothing');

      assert.deepEqual((await app.service.resume(Sensors)).sort(), ['pz/+/humidity', 'pz/+/temperature']);
      assert.deepEqual(app.service.paused, []);
      await publisher.publishAsync('pz/c/humidity', '3', { qos: 1 });
      await handled.waitFor(2);
      assert.deepEqual(handled.calls, ['temperature a', 'humidity c']);
    });

    it('pauses one @Topic by its filter (as listed, or as written), the others keep running', async () => {
      reset();
      const app = create();
      await app.start();
      const { publisher } = suite;
      assert.deepEqual(await app.service.pause('pz/+id/temperature'), ['pz/+/temperature']);
      await publisher.publishAsync('pz/a/temperature', '1', { qos: 1 });
      await publisher.publishAsync('pz/a/humidity', '2', { qos: 1 });
      await barrier(publisher);
      assert.deepEqual(handled.calls, ['humidity a']);
      assert.deepEqual(unmatched.calls, []);
      assert.deepEqual(await app.service.resume('pz/+/temperature'), ['pz/+/temperature']);
      await publisher.publishAsync('pz/b/temperature', '3', { qos: 1 });
      await handled.waitFor(2);
      assert.deepEqual(handled.calls, ['humidity a', 'temperature b']);
    });

    it('a controller paused before start() is not subscribed until resume()', async () => {
      reset();
      const app = create();
      assert.deepEqual((await app.service.pause(Sensors)).sort(), ['pz/+/humidity', 'pz/+/temperature']);
      await app.start();
      assert.deepEqual(
        app.service.topics.map((t) => t.filter),
        ['pz-done/+'],
      );
      const { publisher } = suite;
      await publisher.publishAsync('pz/a/temperature', '1', { qos: 1 });
      await barrier(publisher);
      assert.deepEqual(handled.calls, []);
      await app.service.resume(Sensors);
      await publisher.publishAsync('pz/b/temperature', '2', { qos: 1 });
      await handled.waitFor(1);
      assert.deepEqual(handled.calls, ['temperature b']);
    });

    it('stays paused across a reconnect, also when paused offline with a session the broker kept', async () => {
      reset();
      const app = create({ clientId: `pause-offline-${process.pid}-${Date.now()}`, clean: false });
      await app.start();
      const down = onceEvent(app.connection, 'disconnect', 5000);
      app.service.client!.stream.destroy();
      await down;
      const back = onceEvent<{ sessionPresent: boolean }>(app.connection, 'connect', 10_000, {
        rejectOnError: false,
      });
      // Offline: the broker still holds pz/+/… in the session; the UNSUBSCRIBE goes out on reconnect.
      assert.deepEqual((await app.service.pause(Sensors)).sort(), ['pz/+/humidity', 'pz/+/temperature']);
      assert.equal((await back).sessionPresent, true);
      const { publisher } = suite;
      await publisher.publishAsync('pz/a/temperature', '1', { qos: 1 });
      await barrier(publisher);
      assert.deepEqual(handled.calls, []);
      assert.deepEqual(unmatched.calls, [], 'the broker kept sending a filter paused while offline');

      await app.service.resume(Sensors);
      await publisher.publishAsync('pz/b/temperature', '2', { qos: 1 });
      await handled.waitFor(1);
      assert.deepEqual(handled.calls, ['temperature b']);
    });

    it('unsubscribe() of a controller filter rejects pointing to pause(); unknown targets are named', async () => {
      reset();
      const app = create();
      await app.start();
      await assert.rejects(app.service.unsubscribe('pz/+/temperature'), (error: unknown) => {
        assert.ok(error instanceof MqttUsageError);
        assert.equal(error.code, 'ERR_MQTT_USAGE');
        assert.match(error.message, /belongs to a controller @Topic/);
        assert.match(error.message, /pause\("pz\/\+\/temperature"\)/);
        return true;
      });
      assert.ok(
        app.service.topics.some((t) => t.filter === 'pz/+/temperature'),
        'still subscribed',
      );
      assert.equal(await app.service.unsubscribe('nothing/here'), false);
      await assert.rejects(app.service.pause('pz/nope'), (error: unknown) => {
        assert.ok(error instanceof MqttUsageError);
        assert.match(error.message, /pause\("pz\/nope"\): no controller @Topic/);
        assert.match(error.message, /"pz\/\+\/temperature"/);
        return true;
      });
      class NotMounted {}
      await assert.rejects(app.service.resume(NotMounted), /resume\(NotMounted\): no controller @Topic/);
    });
  });
}
