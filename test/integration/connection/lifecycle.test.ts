import 'reflect-metadata';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { describe, it } from 'node:test';
import {
  MqttCapabilityError,
  MqttConnectionError,
  MqttController,
  silentLogger,
  Topic,
} from '../../../src/index.js';
import { FAST_RECONNECT, faultKit } from '../../helpers/fault-kit.js';
import { recordingLogger } from '../../helpers/log-recorder.js';
import { mosquittoSkipReason } from '../../helpers/mosquitto-available.js';
import { freePort } from '../../helpers/ports.js';
import { Recorder } from '../../helpers/recorder.js';
import { onceEvent, withTimeout } from '../../helpers/wait.js';

/** Accepts TCP connections and never answers: a broker stuck before its CONNACK. */
async function silentServer(): Promise<{ url: string; accepted: Promise<void>; close(): Promise<void> }> {
  const sockets = new Set<import('node:net').Socket>();
  let accepted!: () => void;
  const firstConnection = new Promise<void>((resolve) => {
    accepted = resolve;
  });
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    accepted();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `mqtt://127.0.0.1:${port}`,
    accepted: firstConnection,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('connection lifecycle on Mosquitto', { skip: mosquittoSkipReason() }, () => {
  const kit = faultKit();

  it('logs a lost connection once, calls onDisconnect once per outage, logs the reconnect', async () => {
    const broker = await kit.broker();
    const log = recordingLogger();
    const disconnects = new Recorder<unknown>();
    const app = kit.app({ url: broker.url, logger: log.logger, onDisconnect: disconnects.record });
    await app.start();
    await broker.stop();
    await disconnects.waitFor(1);
    // Several attempts fail while the broker is down: each at debug, without a stack.
    await log.lines.waitFor(log.lines.count + 1);
    while (log.matching(/reconnect attempt failed/).length < 3) await log.lines.waitFor(log.lines.count + 1);
    const back = onceEvent(app.connection, 'connect', 10_000, { rejectOnError: false });
    await broker.restart();
    await back;
    assert.equal(disconnects.count, 1, 'onDisconnect once for the outage, not per failed attempt');
    assert.deepEqual(
      log.matching(/connection lost/).map((l) => l.level),
      ['warn'],
    );
    assert.deepEqual(
      log.matching(/MQTT reconnected/).map((l) => l.level),
      ['info'],
    );
    for (const line of log.matching(/reconnect attempt failed/)) {
      assert.equal(line.level, 'debug');
      assert.equal(line.obj.err, undefined, 'no stack on later attempts');
    }
  });

  it('reconnectRetries: after N failed attempts the app reports a clear error and stops retrying', async () => {
    const broker = await kit.broker();
    const errors = new Recorder<Error>();
    const app = kit.app({ url: broker.url, reconnectRetries: 3, onError: errors.record, ...FAST_RECONNECT });
    await app.start();
    let attempts = 0;
    app.connection.on('reconnect', () => attempts++);
    const gaveUp = onceEvent<MqttConnectionError>(app.connection, 'gaveUp', 10_000, { rejectOnError: false });
    await broker.stop();
    const error = await gaveUp;
    assert.match(
      error.message,
      /Gave up connecting to .* after 3 failed attempts in a row \(reconnectRetries: 3\)/,
    );
    await errors.waitFor(1);
    assert.ok(errors.calls.includes(error), 'onError hears it');
    assert.equal(attempts, 3);
    // No further attempt, even once the broker is back.
    await broker.restart();
    const probe = await kit.pool.connect(broker.url);
    await probe.endAsync();
    assert.equal(attempts, 3);
    assert.equal(app.service.connected, false);
  });

  it('stop() finishes within stopTimeout while start() waits for a CONNACK that never comes', async () => {
    const stuck = await silentServer();
    try {
      const app = kit.app({ url: stuck.url, stopTimeout: 300, connectTimeout: 20_000 });
      const started = app.start().then(
        () => 'started',
        (error: unknown) => error,
      );
      await withTimeout(stuck.accepted, 5000, 'the attempt reaches the server');
      const begun = Date.now();
      await withTimeout(app.stop(), 3000, 'stop() within stopTimeout');
      assert.ok(Date.now() - begun < 2500, `stop() took ${Date.now() - begun} ms`);
      assert.ok((await started) instanceof Error, 'start() rejects');
    } finally {
      await stuck.close();
    }
  });

  it('several broker URLs: skips a dead one on connect, moves to the next on reconnect', async () => {
    const a = await kit.broker();
    const b = await kit.broker();
    const dead = `mqtt://127.0.0.1:${await freePort()}`;
    const app = kit.app({ servers: [dead, a.url, b.url], logger: silentLogger, ...FAST_RECONNECT });
    await app.start();
    const got = new Recorder<string>();
    await app.service.subscribe('nodes/#', (ctx) => got.record(ctx.topic), { qos: 1 });
    const viaA = await kit.pool.connect(a.url);
    await viaA.publishAsync('nodes/a', 'x', { qos: 1 });
    await got.waitFor(1);
    // Node a goes away: the app moves on (b, or round the list) and resubscribes there.
    const back = onceEvent(app.connection, 'connect', 15_000, { rejectOnError: false });
    await a.stop();
    await back;
    const viaB = await kit.pool.connect(b.url);
    await viaB.publishAsync('nodes/b', 'y', { qos: 1 });
    assert.deepEqual(await got.waitFor(2), ['nodes/a', 'nodes/b']);
  });

  it('logPackets logs each packet type and topic at debug, never the payload', async () => {
    const broker = await kit.broker();
    const log = recordingLogger();
    const app = kit.app({ url: broker.url, logger: log.logger, logPackets: true });
    await app.start();
    await app.service.publish('packets/one', 'secret-payload', { qos: 1 });
    const out = log.lines.calls.find((l) => l.msg === 'MQTT publish sent');
    assert.ok(out);
    assert.equal(out.level, 'debug');
    assert.equal(out.obj.topic, 'packets/one');
    assert.equal(out.obj.qos, 1);
    assert.ok(log.lines.calls.some((l) => l.msg === 'MQTT puback received'));
    assert.doesNotMatch(JSON.stringify(log.lines.calls), /secret-payload/);
  });

  it('a shared subscription the broker does not support makes start() reject naming every such filter', async () => {
    @MqttController('work')
    class Workers {
      @Topic('jobs/+', { share: 'g' })
      jobs(): void {}
      @Topic('tasks/#', { share: 'g' })
      tasks(): void {}
      @Topic('plain/+')
      plain(): void {}
    }
    const broker = await kit.broker();
    const app = kit.app({
      url: broker.url,
      protocolVersion: 4,
      controllers: [Workers],
      brokerLimits: { sharedSubscriptions: false },
    });
    await assert.rejects(
      app.start(),
      (error: unknown) =>
        error instanceof MqttCapabilityError &&
        error.limit === 'sharedSubscriptionAvailable' &&
        /"\$share\/g\/work\/jobs\/\+", "\$share\/g\/work\/tasks\/#"/.test(error.message) &&
        !/plain/.test(error.message),
    );
  });

  it('a runtime subscribe the broker does not support rejects at once; the app stays up', async () => {
    const broker = await kit.broker();
    const app = kit.app({
      url: broker.url,
      protocolVersion: 4,
      brokerLimits: { wildcardSubscriptions: false },
    });
    await app.start();
    await assert.rejects(
      app.service.subscribe('w/+/x', () => {}),
      /wildcard subscriptions.*"w\/\+\/x"/,
    );
    const got = new Recorder<string>();
    await app.service.subscribe('w/exact', (ctx) => got.record(ctx.topic));
    await app.service.publish('w/exact', 'x');
    await got.waitFor(1);
  });
});
