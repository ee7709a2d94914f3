import 'reflect-metadata';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import Koa from 'koa';
import type { MqttClient } from 'mqtt';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import {
  createMqttApp,
  type MqttApp,
  type MqttAppOptions,
  MqttController,
  type MqttEventMap,
  MqttPublishError,
  Payload,
  silentLogger,
  Topic,
  TopicParam,
} from '../../../src/index.js';
import { metricsMiddleware, mqttMetrics } from '../../../src/metrics/index.js';
import { ClientPool } from '../../helpers/clients.js';
import { type MosquittoBroker, startMosquitto } from '../../helpers/mosquitto.js';
import { mosquittoSkipReason } from '../../helpers/mosquitto-available.js';
import { Recorder } from '../../helpers/recorder.js';
import { waitFor } from '../../helpers/wait.js';

const USER = 'observer';
const PASSWORD = 'pa55-Wörd-not-in-logs';
const SECRET_PAYLOAD = 'secret-payload-1f3a';

class Boom extends Error {}

@MqttController('obs')
class Counted {
  static readonly ok = new Recorder<string>();
  static readonly bad = new Recorder<string>();
  static readonly numbers = new Recorder<number>();

  @Topic('ok/+id', { qos: 1 })
  ok(@TopicParam('id') id: string) {
    Counted.ok.record(id);
  }

  @Topic('bad/+id', { qos: 1 })
  bad(@TopicParam('id') id: string) {
    Counted.bad.record(id);
    throw new Boom(`failing on purpose for ${id}`);
  }

  /** A `number` payload: anything else is a PayloadValidationError quoting the payload. */
  @Topic('number', { qos: 1 })
  number(@Payload() value: number) {
    Counted.numbers.record(value);
  }
}

function resetRecorders(): void {
  for (const recorder of [Counted.ok, Counted.bad, Counted.numbers]) recorder.calls.length = 0;
}

/** `name{labels} value` lines of the text format, by series. */
function parseMetrics(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    values.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return values;
}

describe('observability on Mosquitto (MQTT 5)', { skip: mosquittoSkipReason() }, () => {
  let broker: MosquittoBroker;
  const pool = new ClientPool();
  let publisher: MqttClient;
  const apps: MqttApp[] = [];

  const create = (options: MqttAppOptions = {}): MqttApp => {
    const app = createMqttApp({
      url: broker.url,
      username: USER,
      password: PASSWORD,
      protocolVersion: 5,
      logger: silentLogger,
      reconnectPeriod: 50,
      controllers: [Counted],
      ...options,
    });
    apps.push(app);
    return app;
  };
  const start = async (options: MqttAppOptions): Promise<MqttApp> => {
    const app = create(options);
    await app.start();
    return app;
  };

  before(async () => {
    broker = await startMosquitto({
      users: { [USER]: PASSWORD },
      acl: `user ${USER}\ntopic readwrite obs/#\n`,
    });
  });
  // A fresh publisher per test: some tests restart the broker.
  beforeEach(async () => {
    publisher = await pool.connect(broker.url, { protocolVersion: 5, username: USER, password: PASSWORD });
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.stop()));
    await pool.closeAll();
    resetRecorders();
  });
  after(async () => {
    await broker.close();
  });

  it('emits typed events for connect, subscribe, publish, publishError, error, offline, reconnect, unsubscribe, disconnect', async () => {
    const seen: Array<{ event: keyof MqttEventMap; detail: unknown }> = [];
    const app = create();
    const events = app.service.events;
    events.on('connect', (info) => seen.push({ event: 'connect', detail: info.reconnect }));
    events.on('subscribe', (e) => seen.push({ event: 'subscribe', detail: `${e.filter}:${e.granted}` }));
    events.on('publish', (e) => seen.push({ event: 'publish', detail: e.topic }));
    events.on('publishError', (e) => seen.push({ event: 'publishError', detail: e.error.name }));
    events.on('error', (error, ctx) =>
      seen.push({ event: 'error', detail: `${error.name}@${ctx?.handler}` }),
    );
    events.on('offline', () => seen.push({ event: 'offline', detail: undefined }));
    events.on('reconnect', () => seen.push({ event: 'reconnect', detail: undefined }));
    events.on('unsubscribe', (e) => seen.push({ event: 'unsubscribe', detail: e.filters.join() }));
    events.on('disconnect', (info) => seen.push({ event: 'disconnect', detail: info.requested }));
    const details = (event: keyof MqttEventMap) => seen.filter((s) => s.event === event).map((s) => s.detail);

    await app.start();
    assert.deepEqual(details('connect'), [false]);
    assert.deepEqual(details('subscribe').sort(), ['obs/bad/+:1', 'obs/number:1', 'obs/ok/+:1']);

    await app.service.publish('obs/out', 'x', { qos: 1 });
    assert.deepEqual(details('publish'), ['obs/out']);
    // The ACL lets this user write obs/# only: Mosquitto answers PUBACK 0x87 (not authorized).
    await assert.rejects(app.service.publish('elsewhere/out', 'x', { qos: 1 }), MqttPublishError);
    assert.deepEqual(details('publishError'), ['MqttPublishError']);

    await publisher.publishAsync('obs/bad/1', '', { qos: 1 });
    await Counted.bad.waitFor(1);
    await waitFor(() => details('error').length > 0, { timeout: 2000, message: 'error event' });
    assert.deepEqual(details('error'), ['Error@Counted.bad']);

    await app.service.subscribe('obs/runtime/#');
    assert.ok(details('subscribe').includes('obs/runtime/#:0'));
    await app.service.unsubscribe('obs/runtime/#');
    assert.deepEqual(details('unsubscribe'), ['obs/runtime/#']);

    await broker.restart();
    await waitFor(() => details('connect').length === 2, { timeout: 10_000, message: 'reconnected' });
    assert.deepEqual(details('connect'), [false, true]);
    assert.ok(details('offline').length >= 1, 'offline after the broker went away');
    assert.ok(details('reconnect').length >= 1, 'a reconnect attempt');
    assert.deepEqual(details('disconnect'), [false]);

    await app.stop();
    assert.deepEqual(details('disconnect'), [false, true]);
  });

  it('/metrics shows exact counts after a known number of messages, and a histogram with observations', async () => {
    const registry = new Registry();
    const app = await start({});
    const metrics = await mqttMetrics(app.service, { registry });
    const koa = new Koa();
    koa.use(metricsMiddleware(metrics));
    koa.use((ctx) => {
      ctx.body = 'other';
    });
    const server = koa.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const OK = 25;
      const BAD = 7;
      for (let i = 0; i < OK; i++) await publisher.publishAsync(`obs/ok/${i}`, '', { qos: 1 });
      for (let i = 0; i < BAD; i++) await publisher.publishAsync(`obs/bad/${i}`, '', { qos: 1 });
      await publisher.publishAsync('obs/number', '42', { qos: 1 });
      await Counted.ok.waitFor(OK);
      await Counted.bad.waitFor(BAD);
      await Counted.numbers.waitFor(1);
      for (let i = 0; i < 3; i++) await app.service.publish('obs/out', String(i), { qos: 1 });
      await assert.rejects(app.service.publish('elsewhere/out', 'x', { qos: 1 }));

      const { port } = server.address() as AddressInfo;
      const response = await fetch(`http://127.0.0.1:${port}/metrics`);
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
      const values = parseMetrics(await response.text());
      const expect = (series: string, value: number) => assert.equal(values.get(series), value, series);
      expect('mqtt_messages_received_total', OK + BAD + 1);
      expect('mqtt_handler_received_total{handler="Counted.ok"}', OK);
      expect('mqtt_handler_handled_total{handler="Counted.ok"}', OK);
      expect('mqtt_handler_received_total{handler="Counted.bad"}', BAD);
      expect('mqtt_handler_failures_total{handler="Counted.bad",error="Boom"}', BAD);
      expect('mqtt_handler_handled_total{handler="Counted.number"}', 1);
      expect('mqtt_handler_duration_seconds_count{handler="Counted.ok"}', OK);
      expect('mqtt_handler_duration_seconds_count{handler="Counted.bad"}', BAD);
      expect('mqtt_handler_duration_seconds_bucket{le="+Inf",handler="Counted.ok"}', OK);
      assert.ok((values.get('mqtt_handler_duration_seconds_sum{handler="Counted.ok"}') ?? -1) >= 0);
      expect('mqtt_publishes_total', 3);
      expect('mqtt_publish_failures_total{error="MqttPublishError"}', 1);
      expect('mqtt_connected', 1);
      expect('mqtt_messages_in_flight', 0);
      expect('mqtt_subscriptions', 3);
      expect('mqtt_reconnects_total', 0);

      const other = await fetch(`http://127.0.0.1:${port}/elsewhere`);
      assert.equal(await other.text(), 'other');

      const reconnected = new Promise((resolve) => app.events.once('connect', resolve));
      await broker.restart();
      await reconnected;
      const after = parseMetrics(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
      assert.equal(after.get('mqtt_reconnects_total'), 1);
      assert.equal(after.get('mqtt_connected'), 1);
      assert.equal(
        after.get('mqtt_handler_handled_total{handler="Counted.ok"}'),
        OK,
        'counts survive a scrape',
      );
    } finally {
      metrics.stop();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('writes structured records to a pino logger, never the password or a payload', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(line) });
    const app = await start({
      logger,
      // The password also inside the URL: brokerUrl must show it redacted.
      url: broker.url.replace('mqtt://', `mqtt://${USER}:${encodeURIComponent(PASSWORD)}@`),
    });
    await publisher.publishAsync('obs/number', SECRET_PAYLOAD, { qos: 1 });
    await publisher.publishAsync('obs/bad/2', SECRET_PAYLOAD, { qos: 1 });
    await Counted.bad.waitFor(1);
    await waitFor(() => lines.filter((l) => l.includes('MQTT handler failed')).length === 2, {
      timeout: 2000,
      message: 'two handler failures logged',
    });
    await broker.restart();
    await waitFor(() => app.service.connected, { timeout: 10_000, message: 'reconnected' });
    await app.stop();

    const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.ok(records.length >= 3, `records: ${lines.join('')}`);
    for (const record of records) {
      assert.equal(typeof record.level, 'number');
      assert.equal(typeof record.msg, 'string');
    }
    const connected = records.find((r) => r.msg === 'MQTT connected');
    assert.ok(connected, 'an info record on connect');
    assert.equal(connected.level, 30);
    assert.equal(connected.protocolVersion, 5);
    assert.match(String(connected.broker), /127\.0\.0\.1/);
    const failures = records.filter((r) => r.msg === 'MQTT handler failed');
    assert.deepEqual(failures.map((r) => r.handler).sort(), ['Counted.bad', 'Counted.number']);
    const invalid = failures.find((r) => r.handler === 'Counted.number')!;
    assert.equal((invalid.err as { type: string }).type, 'PayloadValidationError');
    assert.equal(invalid.topic, 'obs/number');
    for (const line of lines) {
      assert.ok(!line.includes(PASSWORD), `a record shows the password: ${line}`);
      assert.ok(!line.includes(encodeURIComponent(PASSWORD)), `a record shows the password: ${line}`);
      assert.ok(!line.includes(SECRET_PAYLOAD), `a record shows a payload: ${line}`);
    }
  });

  it('logs the payload problem when logPayloads is set', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(line) });
    await start({ logger, logPayloads: true });
    await publisher.publishAsync('obs/number', SECRET_PAYLOAD, { qos: 1 });
    await waitFor(() => lines.some((l) => l.includes('MQTT handler failed')), {
      timeout: 2000,
      message: 'the handler failure logged',
    });
    assert.ok(lines.some((l) => l.includes(SECRET_PAYLOAD)));
    assert.ok(!lines.some((l) => l.includes(PASSWORD)));
  });
});
