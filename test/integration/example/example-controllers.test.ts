/**
 * The example app's controllers, tested in memory with `createTestApp` (no broker, no socket):
 * the way the README suggests users test theirs. Imports `koa-mqtt` as the example does.
 */
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { MqttService, PayloadValidationError } from 'koa-mqtt';
import { createTestApp, type TestApp } from 'koa-mqtt/testing';
import { Container } from 'typedi';
import { PublishController } from '../../../example-app/src/http/publish.controller.js';
import { ReadingStore } from '../../../example-app/src/sensors/reading-store.js';
import { SensorController } from '../../../example-app/src/sensors/sensor.controller.js';

describe('example app controllers (createTestApp)', () => {
  let t: TestApp;
  beforeEach(async () => {
    Container.reset();
    t = await createTestApp({ controllers: [SensorController], container: Container });
    Container.set(MqttService, t.service);
  });
  afterEach(async () => {
    await t.stop();
    Container.reset();
  });

  it('SensorController keeps the latest valid reading per device', async () => {
    const first = await t.publish(
      'sensors/kitchen/temperature',
      { celsius: 21.5, source: 'dht22' },
      { qos: 1 },
    );
    assert.deepEqual(first.handlers, ['SensorController.temperature']);
    assert.deepEqual(first.errors, []);
    assert.deepEqual(
      first.acks.map((a) => a.reasonCode),
      [0],
    );
    await t.publish('sensors/kitchen/temperature', { celsius: 22 }, { qos: 1 });
    const readings = Container.get(ReadingStore).all();
    assert.deepEqual(
      readings.map(({ deviceId, celsius, source }) => ({ deviceId, celsius, source })),
      [{ deviceId: 'kitchen', celsius: 22, source: undefined }],
    );
  });

  it('SensorController rejects an invalid reading and stores nothing', async () => {
    const outcome = await t.publish('sensors/attic/temperature', { celsius: -300 }, { qos: 1 });
    assert.equal(outcome.errors.length, 1);
    assert.ok(outcome.errors[0] instanceof PayloadValidationError);
    assert.match(outcome.errors[0].message, /celsius/);
    assert.deepEqual(Container.get(ReadingStore).all(), []);
  });

  it('topics that no handler matches are not handled', async () => {
    const outcome = await t.publish('sensors/kitchen/humidity', { percent: 40 });
    assert.deepEqual(outcome.runs, []);
    assert.equal(t.handler('SensorController.temperature').called, false);
  });

  it('PublishController publishes through the MqttService; the app hears its own reading', async () => {
    const controller = Container.get(PublishController);
    const result = await controller.publish({
      topic: 'sensors/porch/temperature',
      payload: { celsius: 5 },
      qos: 1,
    });
    assert.equal(result.qos, 1);
    assert.equal(t.published.length, 1);
    assert.equal(t.published[0]!.topic, 'sensors/porch/temperature');
    assert.deepEqual(JSON.parse(t.published[0]!.payload.toString()), { celsius: 5 });
    await t.settled();
    assert.deepEqual(
      Container.get(ReadingStore)
        .all()
        .map((r) => r.deviceId),
      ['porch'],
    );
  });
});
