import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type MqttContext, MqttController, OnMessage, Topic, TopicParam } from '../../../src/index.js';
import { brokerSuite } from '../../helpers/broker-suite.js';
import { Recorder } from '../../helpers/recorder.js';
import { targets } from '../../helpers/targets.js';

/** `@OnMessage({ all: true })` (fastapi-mqtt's on_message) sees every message once; `@OnMessage()` only unmatched ones. */

const everything = new Recorder<string>();
const unmatched = new Recorder<string>();
const handled = new Recorder<string>();

@MqttController('oma')
class Watcher {
  // Overlapping filters: Mosquitto on MQTT 5 sends a copy for each.
  @Topic('+kind/temperature')
  temperature(@TopicParam('kind') kind: string) {
    handled.record(`temperature ${kind}`);
  }
  @Topic('#')
  any(ctx: MqttContext) {
    handled.record(`any ${ctx.topic}`);
  }
  @OnMessage({ all: true })
  all(ctx: MqttContext) {
    everything.record(ctx.topic);
  }
  @OnMessage()
  fallback(ctx: MqttContext) {
    unmatched.record(ctx.topic);
  }
}

for (const target of targets) {
  describe(`@OnMessage({ all: true }) on ${target.name}`, { skip: target.skip }, () => {
    const suite = brokerSuite(target);

    it('runs once for every message, matched by one handler, several, or none', async () => {
      const app = await suite.start({ controllers: [Watcher] });
      // Brought by a runtime subscription without a handler: no handler matches it.
      await app.service.subscribe('oma-free/#');
      const { publisher } = suite;
      await publisher.publishAsync('oma/kitchen/temperature', '1', { qos: 1 });
      await publisher.publishAsync('oma/kitchen/light', '2', { qos: 1 });
      await publisher.publishAsync('oma-free/x', '3', { qos: 1 });
      await publisher.publishAsync('oma/last', '4', { qos: 1 });
      await everything.waitFor(4);
      await handled.waitFor(4);
      // One more message as a barrier: any duplicate copy of the first four arrived before it.
      await publisher.publishAsync('oma/end', '5', { qos: 1 });
      await everything.waitFor(5);
      await handled.waitFor(5);
      assert.deepEqual(everything.calls, [
        'oma/kitchen/temperature',
        'oma/kitchen/light',
        'oma-free/x',
        'oma/last',
        'oma/end',
      ]);
      assert.deepEqual(unmatched.calls, ['oma-free/x']);
      assert.deepEqual(handled.calls.sort(), [
        'any oma/end',
        'any oma/kitchen/light',
        'any oma/kitchen/temperature',
        'any oma/last',
        'temperature kitchen',
      ]);
      everything.calls.length = 0;
      unmatched.calls.length = 0;
      handled.calls.length = 0;
    });
  });
}
