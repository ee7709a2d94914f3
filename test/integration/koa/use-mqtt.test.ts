import 'reflect-metadata';
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { type AddressInfo, createServer, type Socket, connect as tcpConnect } from 'node:net';
import { after, afterEach, before, describe, it } from 'node:test';
import Router from '@koa/router';
import Koa from 'koa';
import type { MqttClient } from 'mqtt';
import {
  MqttConnectionError,
  MqttController,
  type MqttHealthReport,
  type MqttKoaHandle,
  mqttHealth,
  Payload,
  silentLogger,
  Topic,
  type UseMqttOptions,
  useMqtt,
} from '../../../src/index.js';
import { startEmbeddedBroker } from '../../../src/testing/index.js';
import { ClientPool } from '../../helpers/clients.js';
import { startMosquitto } from '../../helpers/mosquitto.js';
import { mosquittoSkipReason } from '../../helpers/mosquitto-available.js';
import { freePort } from '../../helpers/ports.js';
import { Recorder } from '../../helpers/recorder.js';
import { type RunningBroker, targets } from '../../helpers/targets.js';
import { collectMessages, deferred, waitFor, withTimeout } from '../../helpers/wait.js';

/** A handler that blocks until the test releases it. */
@MqttController('work')
class SlowController {
  static entered = new Recorder<string>();
  static finished = new Recorder<string>();
  static release = deferred();
  @Topic('slow', { qos: 1 })
  async slow(@Payload() body: string) {
    SlowController.entered.record(body);
    await SlowController.release.promise;
    SlowController.finished.record(body);
  }
}

/** Koa + @koa/router app publishing from a route, as a user writes it. */
function koaApp(): Koa {
  const app = new Koa();
  const router = new Router();
  router.post('/alerts/:level', async (ctx) => {
    const result = await ctx.mqtt.publish(`alerts/${ctx.params.level}`, { raised: true }, { qos: 1 });
    ctx.status = 202;
    ctx.body = result;
  });
  router.get('/health', mqttHealth());
  app.use(router.routes());
  return app;
}

function baseUrl(server: Server): string {
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Resolves true if something accepts TCP connections on `port`. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const handles: MqttKoaHandle[] = [];
function use(app: Koa, options: UseMqttOptions): MqttKoaHandle {
  const handle = useMqtt(app, { logger: silentLogger, ...options });
  handles.push(handle);
  return handle;
}

const pool = new ClientPool();
afterEach(async () => {
  await Promise.all(handles.splice(0).map((handle) => handle.stop()));
  await pool.closeAll();
});

for (const target of targets.slice(0, 2)) {
  describe(`useMqtt on ${target.name}`, { skip: target.skip }, () => {
    let broker: RunningBroker;
    let subscriber: MqttClient;
    before(async () => {
      broker = await target.start();
    });
    after(() => broker.close());

    it('publishes from a route through ctx.mqtt, after MQTT connected first', async () => {
      const handle = use(koaApp(), { url: broker.url, protocolVersion: target.protocolVersion });
      const server = await handle.listen(0, '127.0.0.1');
      assert.equal(handle.service.connected, true, 'MQTT is connected when listen() resolves');
      subscriber = await pool.connect(broker.url);
      await subscriber.subscribeAsync('alerts/#', { qos: 1 });
      const received = collectMessages(subscriber, 1, 5000);
      const response = await fetch(`${baseUrl(server)}/alerts/high`, { method: 'POST' });
      assert.equal(response.status, 202);
      const body = (await response.json()) as { topic: string; qos: number };
      assert.deepEqual({ topic: body.topic, qos: body.qos }, { topic: 'alerts/high', qos: 1 });
      const [message] = await received;
      assert.equal(message!.topic, 'alerts/high');
      assert.deepEqual(JSON.parse(message!.payload.toString()), { raised: true });
    });

    it('answers health 200 while connected and 503 once the broker is gone', async () => {
      const own = await target.start();
      const handle = use(koaApp(), {
        url: own.url,
        protocolVersion: target.protocolVersion,
        controllers: [],
      });
      const subscribed = handle.service.subscribe('health/+', undefined, { qos: 1 });
      const server = await handle.listen(0, '127.0.0.1');
      await subscribed;
      const ok = await fetch(`${baseUrl(server)}/health`);
      assert.equal(ok.status, 200);
      const report = (await ok.json()) as MqttHealthReport;
      assert.equal(report.status, 'ok');
      assert.equal(report.connected, true);
      assert.equal(report.broker, own.url);
      assert.equal(report.clientId, handle.service.clientId);
      assert.equal(report.protocolVersion, handle.service.protocolVersion);
      assert.deepEqual(
        report.subscriptions.map((s) => [s.filter, s.state]),
        [['health/+', 'active']],
      );
      assert.equal(report.inFlight, 0);
      await own.close();
      await waitFor(() => !handle.service.connected, { timeout: 5000, message: 'app sees the broker gone' });
      const down = await fetch(`${baseUrl(server)}/health`);
      assert.equal(down.status, 503);
      const downReport = (await down.json()) as MqttHealthReport;
      assert.equal(downReport.status, 'unavailable');
      assert.equal(downReport.connected, false);
    });

    it('stop() waits for a handler in flight, then disconnects and closes HTTP', async () => {
      SlowController.release = deferred();
      const handle = use(koaApp(), {
        url: broker.url,
        protocolVersion: target.protocolVersion,
        controllers: [SlowController],
        stopTimeout: 10_000,
      });
      const server = await handle.listen(0, '127.0.0.1');
      const publisher = await pool.connect(broker.url);
      const entered = SlowController.entered.count;
      await publisher.publishAsync('work/slow', 'job', { qos: 1 });
      await SlowController.entered.waitFor(entered + 1);
      const order: string[] = [];
      const stopped = handle.stop().then(() => order.push('stopped'));
      // stop() must still be waiting for the handler (a bounded look, not a wait for a message).
      await Promise.race([stopped, new Promise((resolve) => setTimeout(resolve, 200))]);
      assert.equal(order.length, 0, 'stop() waits while the handler runs');
      assert.equal(server.listening, false, 'HTTP stops taking connections first');
      assert.equal(handle.service.connected, true, 'MQTT stays connected while the handler runs');
      assert.equal(handle.service.inFlight, 1);
      const finished = SlowController.finished.count;
      SlowController.finished.waitFor(finished + 1).then(() => order.push('handler finished'));
      SlowController.release.resolve();
      await withTimeout(stopped, 5000, 'stop after the handler finished');
      assert.deepEqual(order, ['handler finished', 'stopped']);
      assert.equal(handle.service.connected, false);
    });

    it('stop() gives up waiting after stopTimeout', async () => {
      SlowController.release = deferred();
      const handle = use(koaApp(), {
        url: broker.url,
        protocolVersion: target.protocolVersion,
        controllers: [SlowController],
        stopTimeout: 300,
      });
      await handle.listen(0, '127.0.0.1');
      const publisher = await pool.connect(broker.url);
      const entered = SlowController.entered.count;
      await publisher.publishAsync('work/slow', 'stuck', { qos: 1 });
      await SlowController.entered.waitFor(entered + 1);
      await withTimeout(handle.stop(), 3000, 'stop bounded by stopTimeout');
      assert.equal(handle.service.connected, false);
      SlowController.release.resolve();
    });

    it('closing the HTTP server stops MQTT with a clean DISCONNECT (no last will)', async () => {
      const handle = use(koaApp(), {
        url: broker.url,
        protocolVersion: target.protocolVersion,
        will: { topic: 'wills/app', payload: 'gone', qos: 1 },
      });
      const server = await handle.listen(0, '127.0.0.1');
      const watcher = await pool.connect(broker.url);
      await watcher.subscribeAsync('wills/#', { qos: 1 });
      assert.equal(handle.service.connected, true);
      server.close();
      await waitFor(() => !handle.service.connected, { timeout: 5000, message: 'MQTT stops with HTTP' });
      const received = collectMessages(watcher, 1, 5000);
      await watcher.publishAsync('wills/marker', 'end', { qos: 1 });
      assert.deepEqual(
        (await received).map((m) => m.topic),
        ['wills/marker'],
        'the marker is the first message: no will was published',
      );
    });

    it('attach() ties a server created elsewhere to MQTT', async () => {
      const app = koaApp();
      const handle = use(app, { url: broker.url, protocolVersion: target.protocolVersion });
      await handle.start();
      const server = handle.attach(app.listen(0, '127.0.0.1'));
      await new Promise<void>((resolve) => server.once('listening', resolve));
      assert.equal((await fetch(`${baseUrl(server)}/health`)).status, 200);
      await handle.stop();
      assert.equal(server.listening, false);
      assert.equal(handle.service.connected, false);
    });
  });
}

describe('useMqtt start order', () => {
  it('rejects with MqttConnectionError and listens nowhere when the broker port is closed', async () => {
    const brokerPort = await freePort();
    const httpPort = await freePort();
    const connectTimeout = 2000;
    const handle = use(koaApp(), { url: `mqtt://127.0.0.1:${brokerPort}`, connectTimeout });
    const started = Date.now();
    await assert.rejects(handle.listen(httpPort, '127.0.0.1'), MqttConnectionError);
    assert.ok(Date.now() - started < connectTimeout + 1500, 'fails within the connect timeout');
    assert.equal(await accepts(httpPort), false, 'no HTTP server listens');
    await handle.stop();
  });

  it('rejects with MqttConnectionError within the connect timeout when the broker never answers', async (t) => {
    const silent = createServer((socket) => socket.on('error', () => {}));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const sockets: Socket[] = [];
    silent.on('connection', (socket) => sockets.push(socket));
    t.after(() => {
      for (const socket of sockets) socket.destroy();
      silent.close();
    });
    const httpPort = await freePort();
    const connectTimeout = 1000;
    const handle = use(koaApp(), {
      url: `mqtt://127.0.0.1:${(silent.address() as AddressInfo).port}`,
      connectTimeout,
    });
    const started = Date.now();
    await assert.rejects(handle.listen(httpPort, '127.0.0.1'), MqttConnectionError);
    const elapsed = Date.now() - started;
    assert.ok(elapsed < connectTimeout + 2500, `failed after ${elapsed} ms`);
    assert.equal(await accepts(httpPort), false, 'no HTTP server listens');
  });

  it('stop() is idempotent and safe before start; listen() after stop() rejects', async () => {
    const handle = use(koaApp(), { url: 'mqtt://127.0.0.1:1' });
    const first = handle.stop();
    assert.equal(handle.stop(), first);
    await first;
    await assert.rejects(handle.listen(0), /stopped/);
  });

  it('stop() during listen() leaves nothing listening', async (t) => {
    const broker = await startEmbeddedBroker();
    t.after(() => broker.close());
    const httpPort = await freePort();
    const handle = use(koaApp(), { url: broker.url, protocolVersion: 4 });
    const rejected = assert.rejects(handle.listen(httpPort, '127.0.0.1'), /while listen\(\) was connecting/);
    await handle.stop();
    await rejected;
    assert.equal(await accepts(httpPort), false);
    assert.equal(handle.service.connected, false);
  });

  it('mqttHealth() without useMqtt says what is missing', async () => {
    const app = new Koa();
    app.silent = true;
    app.use(mqttHealth());
    const server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', resolve));
    const errors: Error[] = [];
    app.on('error', (error: Error) => errors.push(error));
    const response = await fetch(baseUrl(server));
    server.close();
    assert.equal(response.status, 500);
    assert.match(errors[0]?.message ?? '', /ctx\.mqtt is not set; call useMqtt/);
  });

  it('registers the service in a container with set(), and sets app.context.mqtt', () => {
    const set = new Map<unknown, unknown>();
    const container = {
      get: <T>(token: new () => T): T => set.get(token) as T,
      set: (token: unknown, value: unknown) => set.set(token, value),
    };
    const app = new Koa();
    const handle = use(app, { url: 'mqtt://127.0.0.1:1', container });
    assert.equal(app.context.mqtt, handle.service);
    assert.equal(set.size, 1);
    assert.equal([...set.values()][0], handle.service);
  });

  it('with connectInBackground, listens at once, answers health 503, and connects once the broker is up', async (t) => {
    const retries = new Recorder<string>();
    const logger = { ...silentLogger, warn: (_obj: object, msg?: string) => retries.record(msg ?? '') };
    const port = await freePort();
    const handle = use(koaApp(), {
      url: `mqtt://127.0.0.1:${port}`,
      connectTimeout: 1000,
      reconnectPeriod: 50,
      reconnectMaxPeriod: 200,
      connectInBackground: true,
      logger,
    });
    const server = await handle.listen(0, '127.0.0.1');
    const [message] = await retries.waitFor(1, 5000);
    assert.match(message!, /MQTT broker not reachable; retrying/);
    assert.equal((await fetch(`${baseUrl(server)}/health`)).status, 503);
    const broker = await startEmbeddedBroker({ port });
    t.after(() => broker.close());
    await waitFor(async () => (await fetch(`${baseUrl(server)}/health`)).status === 200, {
      timeout: 5000,
      message: 'health answers 200 once the broker is up',
    });
  });
});

describe('useMqtt with credentials on Mosquitto', { skip: mosquittoSkipReason() }, () => {
  let broker: Awaited<ReturnType<typeof startMosquitto>>;
  before(async () => {
    broker = await startMosquitto({ users: { alice: 'secret-pw' } });
  });
  after(() => broker.close());

  it('rejects a wrong password with MqttConnectionError and listens nowhere', async () => {
    const httpPort = await freePort();
    const handle = use(koaApp(), {
      url: broker.url,
      username: 'alice',
      password: 'wrong',
      connectTimeout: 3000,
    });
    const started = Date.now();
    const error = await handle.listen(httpPort, '127.0.0.1').then(
      () => assert.fail('listen() resolved'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof MqttConnectionError, String(error));
    assert.equal(error.message.includes('wrong'), false, 'the password is not in the message');
    assert.ok(Date.now() - started < 4500, 'fails within the connect timeout');
    assert.equal(await accepts(httpPort), false, 'no HTTP server listens');
  });

  it('connects with the right password and reports the broker without it', async () => {
    const port = new URL(broker.url).port;
    const handle = use(koaApp(), { url: `mqtt://alice:secret-pw@127.0.0.1:${port}` });
    const server = await handle.listen(0, '127.0.0.1');
    const response = await fetch(`${baseUrl(server)}/health`);
    assert.equal(response.status, 200);
    const text = await response.text();
    assert.equal(text.includes('secret-pw'), false);
    assert.equal((JSON.parse(text) as MqttHealthReport).broker, `mqtt://alice@127.0.0.1:${port}`);
  });
});
