import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { MqttAckTimeoutError, type MqttApp } from '../../../src/index.js';
import { AckDroppingProxy } from '../../helpers/ack-dropping-proxy.js';
import { faultKit } from '../../helpers/fault-kit.js';
import { recordingLogger } from '../../helpers/log-recorder.js';
import { Recorder } from '../../helpers/recorder.js';
import { mosquittoTargets } from '../../helpers/targets.js';
import { onceEvent, withTimeout } from '../../helpers/wait.js';

/**
 * `ackTimeout`: a broker that drops a packet of ours and keeps the connection open (NATS during a
 * JetStream leader election) is played by a proxy in front of a real Mosquitto that swallows one
 * acknowledgement. The app warns once naming the packet, reports an `MqttAckTimeoutError` to
 * `onError`, reconnects, mqtt.js sends the packet again, and the operation settles.
 */
const ACK_TIMEOUT = 300;

for (const target of mosquittoTargets) {
  describe(`ackTimeout on ${target.name}: a dropped acknowledgement renews the connection`, {
    skip: target.skip,
  }, () => {
    const kit = faultKit();
    const proxies: AckDroppingProxy[] = [];
    after(() => Promise.all(proxies.map((p) => p.close())));

    async function setUp(options: { reconnectPeriod?: number; reconnectMaxPeriod?: number } = {}) {
      const broker = await kit.broker();
      const proxy = await AckDroppingProxy.start(broker.url);
      proxies.push(proxy);
      const log = recordingLogger();
      const errors = new Recorder<Error>();
      const app: MqttApp = kit.app({
        url: proxy.url,
        protocolVersion: target.protocolVersion,
        ackTimeout: ACK_TIMEOUT,
        logger: log.logger,
        onError: errors.record,
        ...options,
      });
      await app.start();
      return { broker, proxy, log, errors, app };
    }

    function lateWarnings(log: ReturnType<typeof recordingLogger>) {
      return log.matching(/^No (PUBACK\/PUBREC|PUBCOMP|SUBACK|UNSUBACK) for /, 'warn');
    }

    it('a QoS 1 PUBLISH whose PUBACK was dropped: one warning naming it, onError, a reconnect, and the publish resolves', async () => {
      const { broker, proxy, log, errors, app } = await setUp();
      const watcher = await kit.pool.connect(broker.url);
      await watcher.subscribeAsync('watch/one', { qos: 1 });
      const copies = new Recorder<string>();
      watcher.on('message', (_topic, payload) => copies.record(payload.toString()));
      const reconnected = onceEvent<{ reconnect: boolean }>(app.connection, 'connect', 10_000, {
        rejectOnError: false,
      });
      proxy.drop('puback');
      const started = performance.now();
      await withTimeout(app.service.publish('watch/one', 'x', { qos: 1 }), 10_000, 'the publish settles');
      const took = performance.now() - started;

      const [dropped] = await proxy.dropped.waitFor(1);
      assert.equal((await reconnected).reconnect, true);
      assert.ok(took >= ACK_TIMEOUT, `settled after ${Math.round(took)} ms, before ackTimeout`);
      assert.equal(proxy.connections.count, 2, 'one reconnect');
      const warnings = lateWarnings(log);
      assert.equal(warnings.length, 1, JSON.stringify(log.lines.calls.map((l) => l.msg)));
      assert.match(
        warnings[0]!.msg,
        new RegExp(
          `^No PUBACK/PUBREC for PUBLISH "watch/one" \\(message id ${dropped!.messageId}\\) after \\d+ ms, 1 packet\\(s\\) unacknowledged: ` +
            'the broker dropped it \\(NATS does during a JetStream leader election\\); reconnecting so that it is sent again',
        ),
      );
      assert.equal(warnings[0]!.obj.topic, 'watch/one');
      assert.equal(warnings[0]!.obj.messageId, dropped!.messageId);
      assert.ok((warnings[0]!.obj.waitedMs as number) >= ACK_TIMEOUT);
      const [error] = errors.calls;
      assert.ok(error instanceof MqttAckTimeoutError, String(error));
      assert.equal(error.packet, 'publish');
      assert.equal(error.topic, 'watch/one');
      assert.equal(error.messageId, dropped!.messageId);
      assert.equal(errors.count, 1);
      // Sent twice (the broker had it the first time): at least once, as QoS 1 promises.
      assert.deepEqual(await copies.waitFor(2), ['x', 'x']);
      // And the connection works on: a second publish is acknowledged at once.
      await withTimeout(app.service.publish('watch/one', 'y', { qos: 1 }), ACK_TIMEOUT, 'next publish');
      assert.equal(lateWarnings(log).length, 1);
    });

    it('a QoS 2 PUBREL whose PUBCOMP was dropped: resent after the reconnect, the publish resolves', async () => {
      const { proxy, log, errors, app } = await setUp();
      proxy.drop('pubcomp');
      await withTimeout(app.service.publish('watch/two', 'x', { qos: 2 }), 10_000, 'the publish settles');
      const [dropped] = await proxy.dropped.waitFor(1);
      assert.equal(proxy.connections.count, 2);
      const warnings = lateWarnings(log);
      assert.equal(warnings.length, 1);
      assert.match(
        warnings[0]!.msg,
        new RegExp(`^No PUBCOMP for PUBREL \\(message id ${dropped!.messageId}\\)`),
      );
      const [error] = errors.calls;
      assert.ok(error instanceof MqttAckTimeoutError);
      assert.equal(error.packet, 'pubrel');
    });

    it('a SUBSCRIBE whose SUBACK was dropped: subscribed after the reconnect, and messages arrive', async () => {
      const { broker, proxy, log, errors, app } = await setUp();
      const got = new Recorder<string>();
      proxy.drop('suback');
      const granted = await withTimeout(
        app.service.subscribe('watch/sub/+', (ctx) => got.record(ctx.text()), { qos: 1 }),
        10_000,
        'the subscribe settles',
      );
      assert.ok(granted !== undefined);
      assert.equal(proxy.dropped.calls[0]?.type, 'suback');
      assert.equal(proxy.connections.count, 2);
      const warnings = lateWarnings(log);
      assert.equal(warnings.length, 1);
      assert.match(warnings[0]!.msg, /^No SUBACK for SUBSCRIBE "watch\/sub\/\+" \(message id \d+\)/);
      assert.ok(errors.calls[0] instanceof MqttAckTimeoutError);
      const publisher = await kit.pool.connect(broker.url);
      await publisher.publishAsync('watch/sub/a', 'hello', { qos: 1 });
      assert.deepEqual(await got.waitFor(1), ['hello']);
    });

    it('dropped again after the reconnect: reported again, the reconnect backoff keeps growing, then it settles', async () => {
      const period = 400;
      const { proxy, log, errors, app } = await setUp({
        reconnectPeriod: period,
        reconnectMaxPeriod: 10_000,
      });
      const timeouts: number[] = [];
      const attempts: number[] = [];
      app.connection.on('ackTimeout', () => timeouts.push(performance.now()));
      app.connection.on('reconnect', () => attempts.push(performance.now()));
      proxy.drop('puback', 2);
      await withTimeout(app.service.publish('watch/again', 'x', { qos: 1 }), 15_000, 'the publish settles');
      assert.equal(proxy.dropped.count, 2);
      assert.deepEqual(
        proxy.dropped.calls.map((d) => d.connection),
        [1, 2],
        'the first PUBACK dropped on the first connection, the resend on the second',
      );
      assert.equal(proxy.connections.count, 3);
      const warnings = lateWarnings(log);
      assert.equal(warnings.length, 2);
      assert.deepEqual(
        warnings.map((w) => w.obj.timeoutsInARow),
        [1, 2],
      );
      assert.equal(errors.count, 2);
      assert.equal(timeouts.length, 2);
      assert.equal(attempts.length, 2);
      // Reconnect delays with jitter: the first ½..1 × reconnectPeriod, the second (not reset by the
      // CONNACK in between, as the broker had acknowledged nothing) 1..2 ×.
      const first = attempts[0]! - timeouts[0]!;
      const second = attempts[1]! - timeouts[1]!;
      assert.ok(first >= period / 2 - 20 && first < period + 100, `first delay ${Math.round(first)} ms`);
      assert.ok(second >= period - 20, `second delay ${Math.round(second)} ms: the backoff was reset`);
      // The broker answers again: the backoff starts over.
      assert.ok(log.matching(/^MQTT reconnected$/, 'info').length >= 1);
    });

    it('ackTimeout: 0 turns the watchdog off: one listener fewer on the packets sent', async () => {
      const broker = await kit.broker();
      const off = kit.app({ url: broker.url, protocolVersion: target.protocolVersion, ackTimeout: 0 });
      const on = kit.app({ url: broker.url, protocolVersion: target.protocolVersion });
      await Promise.all([off.start(), on.start()]);
      const listeners = (app: MqttApp) => app.connection.client?.listenerCount('packetsend') ?? -1;
      assert.equal(listeners(on) - listeners(off), 1, 'the default (30 s) watches, 0 does not');
    });
  });
}
