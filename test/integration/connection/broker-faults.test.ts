import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  createMqttApp,
  type MqttApp,
  MqttController,
  MqttSubscriptionError,
  Payload,
  silentLogger,
  Topic,
} from '../../../src/index.js';
import { ClientPool } from '../../helpers/clients.js';
import { type MosquittoBroker, startMosquitto } from '../../helpers/mosquitto.js';
import { Recorder } from '../../helpers/recorder.js';
import { mosquittoTargets } from '../../helpers/targets.js';
import { onceEvent } from '../../helpers/wait.js';

for (const target of mosquittoTargets) {
  describe(`broker faults on ${target.name}`, { skip: target.skip }, () => {
    const pool = new ClientPool();
    after(() => pool.closeAll());

    it('resubscribes everything after a broker restart, including subscriptions made while offline', async (t) => {
      const broker = await startMosquitto();
      const apps: MqttApp[] = [];
      t.after(async () => {
        await Promise.all(apps.map((a) => a.stop()));
        await broker.close();
      });
      const got = new Recorder<string>();
      @MqttController('restart')
      class Restart {
        @Topic('+id', { qos: 1 })
        on(@Payload() body: string) {
          got.record(`controller:${body}`);
        }
      }
      const app = createMqttApp({
        url: broker.url,
        protocolVersion: target.protocolVersion,
        controllers: [Restart],
        logger: silentLogger,
        reconnectPeriod: 50,
        reconnectMaxPeriod: 200,
      });
      apps.push(app);
      await app.start();
      await app.service.subscribe('live/+', (ctx) => got.record(`runtime:${ctx.text()}`), { qos: 1 });

      const offline = onceEvent(app.connection, 'disconnect', 5000);
      await broker.stop();
      await offline;
      assert.equal(app.service.connected, false);
      // Made while the broker is down: recorded now, sent on reconnect.
      const whileDown = app.service.subscribe('down/+', (ctx) => got.record(`offline:${ctx.text()}`), {
        qos: 1,
      });
      const reconnected = onceEvent(app.connection, 'connect', 10_000, { rejectOnError: false });
      await broker.restart();
      await reconnected;
      await whileDown;
      assert.equal(app.service.connected, true);

      const publisher = await pool.connect(broker.url);
      await publisher.publishAsync('restart/a', '1', { qos: 1 });
      await publisher.publishAsync('live/b', '2', { qos: 1 });
      await publisher.publishAsync('down/c', '3', { qos: 1 });
      await got.waitFor(3, 5000);
      assert.deepEqual([...got.calls].sort(), ['controller:1', 'offline:3', 'runtime:2']);
      assert.ok(app.service.topics.every((topic) => topic.state === 'active'));
    });

    it('with a kept session, unsubscribes at reconnect what was dropped while offline', async (t) => {
      const broker = await startMosquitto();
      const app = createMqttApp({
        url: broker.url,
        protocolVersion: target.protocolVersion,
        clientId: `kept-session-${target.protocolVersion}`,
        clean: false,
        sessionExpiryInterval: target.protocolVersion === 5 ? 60 : undefined,
        logger: silentLogger,
        reconnectPeriod: 100,
      });
      t.after(async () => {
        await app.stop();
        await broker.close();
      });
      const unmatched = new Recorder<string>();
      const kept = new Recorder<string>();
      app.hooks.add('message', (ctx) => unmatched.record(ctx.topic));
      await app.start();
      await app.service.subscribe('gone/+', () => {});
      await app.service.subscribe('kept/+', (ctx) => kept.record(ctx.topic));

      const down = onceEvent(app.connection, 'disconnect', 5000);
      app.service.client!.stream.destroy();
      await down;
      const back = onceEvent<{ sessionPresent: boolean }>(app.connection, 'connect', 5000, {
        rejectOnError: false,
      });
      assert.equal(await app.service.unsubscribe('gone/+'), true);
      assert.equal((await back).sessionPresent, true);

      const publisher = await pool.connect(broker.url);
      await publisher.publishAsync('gone/1', 'x', { qos: 1 });
      await publisher.publishAsync('kept/1', 'x', { qos: 1 });
      await kept.waitFor(1);
      assert.deepEqual(unmatched.calls, []);
    });

    describe('with an ACL that denies a filter', () => {
      let broker: MosquittoBroker;
      before(async () => {
        broker = await startMosquitto({
          dynamicSecurity: {
            users: {
              app: {
                password: 'secret',
                acls: [
                  { type: 'subscribePattern', topic: 'allowed/#' },
                  { type: 'publishClientReceive', topic: '#' },
                ],
              },
            },
          },
        });
      });
      after(() => broker.close());

      it('rejects start() with MqttSubscriptionError naming the filter and the reason', async () => {
        @MqttController()
        class Denied {
          @Topic('allowed/+')
          allowed() {}
          @Topic('forbidden/+')
          forbidden() {}
        }
        const app = createMqttApp({
          url: broker.url,
          username: 'app',
          password: 'secret',
          protocolVersion: target.protocolVersion,
          controllers: [Denied],
          logger: silentLogger,
        });
        const error = await app.start().then(
          () => assert.fail('start() should have rejected'),
          (e: unknown) => e,
        );
        assert.ok(error instanceof MqttSubscriptionError, String(error));
        assert.equal(error.filter, 'forbidden/+');
        assert.equal(error.reasonCode, target.protocolVersion === 5 ? 0x87 : 0x80);
        assert.match(error.message, /forbidden\/\+/);
        assert.doesNotMatch(error.message, /secret/);
        assert.equal(app.service.connected, false);
        await app.stop();
      });

      it('rejects a runtime subscribe to a denied filter and keeps the app running', async () => {
        const app = createMqttApp({
          url: broker.url,
          username: 'app',
          password: 'secret',
          protocolVersion: target.protocolVersion,
          logger: silentLogger,
        });
        await app.start();
        try {
          await assert.rejects(
            app.service.subscribe('forbidden/x', () => {}),
            MqttSubscriptionError,
          );
          assert.deepEqual(app.service.topics, []);
          const ok = await app.service.subscribe('allowed/x', () => {});
          assert.equal(ok.qos, 0);
          assert.equal(app.service.connected, true);
        } finally {
          await app.stop();
        }
      });
    });
  });
}
