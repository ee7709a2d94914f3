import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createMqttApp, MqttConnectionError, silentLogger } from '../../../src/index.js';
import { startEmbeddedBroker } from '../../../src/testing/index.js';
import { freePort } from '../../helpers/ports.js';
import { Recorder } from '../../helpers/recorder.js';
import { withTimeout } from '../../helpers/wait.js';

const FAST = { logger: silentLogger, reconnectPeriod: 50, reconnectMaxPeriod: 200, connectTimeout: 2000 };

describe('the first connection', () => {
  it('fails fast without retryInitialConnect when the broker is unreachable', async () => {
    const port = await freePort();
    const app = createMqttApp({ ...FAST, url: `mqtt://127.0.0.1:${port}` });
    await assert.rejects(withTimeout(app.start(), 5000, 'start() should fail at once'), MqttConnectionError);
  });

  it('with retryInitialConnect, waits for a broker that comes up later', async (t) => {
    const port = await freePort();
    const retries = new Recorder<string | undefined>();
    // The first failed attempt is a warning (with its stack), later ones debug lines.
    const logger = {
      ...silentLogger,
      warn: (_obj: object, msg?: string) => retries.record(`warn: ${msg}`),
      debug: (_obj: object, msg?: string) => retries.record(`debug: ${msg}`),
    };
    const app = createMqttApp({
      ...FAST,
      logger,
      url: `mqtt://127.0.0.1:${port}`,
      retryInitialConnect: true,
    });
    const got = new Recorder<string>();
    // Made before start(): settles once connected.
    const subscribed = app.service.subscribe('late/+', (ctx) => got.record(ctx.topic), { qos: 1 });
    const started = app.start();
    // The app retries while nothing listens; then the broker appears on that port.
    assert.deepEqual(await retries.waitFor(2), [
      'warn: MQTT broker not reachable; retrying',
      'debug: MQTT broker not reachable; retrying',
    ]);
    const broker = await startEmbeddedBroker({ port });
    t.after(async () => {
      await app.stop();
      await broker.close();
    });
    await withTimeout(started, 5000, 'start() once the broker is up');
    assert.equal(app.service.connected, true);
    assert.equal((await subscribed).qos, 1);
    await app.service.publish('late/a', 'x', { qos: 1 });
    assert.deepEqual(await got.waitFor(1), ['late/a']);
  });

  it('with retryInitialConnect, still rejects a refusal at once', async (t) => {
    const broker = await startEmbeddedBroker({ authenticate: () => false });
    t.after(() => broker.close());
    const app = createMqttApp({
      ...FAST,
      url: broker.url,
      username: 'u',
      password: 'wrong',
      retryInitialConnect: true,
    });
    const error = await withTimeout(
      app.start().then(
        () => assert.fail('start() should be refused'),
        (e: unknown) => e,
      ),
      5000,
      'a refusal is not retried',
    );
    assert.ok(error instanceof MqttConnectionError);
    assert.equal(error.reasonCode, 4);
    assert.doesNotMatch(error.message, /wrong/);
  });

  it('stop() ends a retrying start()', async () => {
    const port = await freePort();
    const app = createMqttApp({ ...FAST, url: `mqtt://127.0.0.1:${port}`, retryInitialConnect: true });
    const started = app.start().then(
      () => 'connected',
      (e: unknown) => e,
    );
    await withTimeout(app.stop(), 5000, 'stop() while retrying');
    const outcome = await withTimeout(started, 5000, 'start() settles after stop()');
    assert.ok(outcome instanceof MqttConnectionError, String(outcome));
  });
});
