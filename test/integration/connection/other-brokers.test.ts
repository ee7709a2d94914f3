import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import {
  MqttCapabilityError,
  MqttController,
  type MqttLogger,
  MqttPublishError,
  silentLogger,
  Topic,
} from '../../../src/index.js';
import { describeBroker } from '../../helpers/brokers/available.js';
import type { ExternalBroker } from '../../helpers/brokers/broker-process.js';
import { startEjabberd } from '../../helpers/brokers/ejabberd.js';
import { startNats } from '../../helpers/brokers/nats.js';
import { startRabbitMq } from '../../helpers/brokers/rabbitmq.js';
import { FAST_RECONNECT, faultKit } from '../../helpers/fault-kit.js';
import { Recorder } from '../../helpers/recorder.js';
import { collectMessages, onceEvent, withTimeout } from '../../helpers/wait.js';

interface LogLine {
  readonly level: string;
  readonly msg: string;
  readonly obj: Record<string, unknown>;
}

function recordingLogger(): { logger: MqttLogger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: string) => (obj: object, msg?: string) =>
    lines.push({ level, msg: msg ?? '', obj: obj as Record<string, unknown> });
  return { logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }, lines };
}

describeBroker('nats-server', 'refusals and grants on NATS (MQTT 3.1.1 listener)', () => {
  const kit = faultKit();
  let nats: ExternalBroker;
  before(async () => {
    nats = await startNats();
  });
  after(() => nats?.close());

  it('a QoS 2 publish NATS refuses by closing fails once, leaves the store, and the app carries on', async () => {
    const errors = new Recorder<Error>();
    const app = kit.app({ url: nats.url, onError: errors.record, ...FAST_RECONNECT });
    await app.start();
    assert.equal(app.service.protocolVersion, 4);
    let disconnects = 0;
    app.connection.on('disconnect', () => disconnects++);
    const error = await withTimeout(
      app.service.publish('nats/qos2', 'x', { qos: 2 }).then(
        () => assert.fail('NATS refuses QoS 2'),
        (e: unknown) => e,
      ),
      15_000,
      'the refused publish settles',
    );
    assert.ok(error instanceof MqttPublishError, String(error));
    assert.match(error.message, /refused at QoS 2, not resent/);
    await errors.waitFor(1);
    if (!app.service.connected) await onceEvent(app.connection, 'connect', 10_000, { rejectOnError: false });
    const reader = await kit.pool.connect(nats.url);
    await reader.subscribeAsync('nats/after', { qos: 1 });
    const arrived = collectMessages(reader, 1, 5000);
    await app.service.publish('nats/after', 'ok', { qos: 1 });
    assert.equal((await arrived)[0]!.topic, 'nats/after');
    assert.equal(disconnects, 1, 'no loop');
  });

  it('with brokerLimits.maxQos 1 a QoS 2 publish is refused before sending', async () => {
    const app = kit.app({ url: nats.url, brokerLimits: { maxQos: 1 } });
    await app.start();
    await assert.rejects(app.service.publish('nats/qos2', 'x', { qos: 2 }), MqttCapabilityError);
    assert.equal(app.service.connected, true);
  });

  it('a QoS 2 subscription granted 1 is warned once and shown in topics', async () => {
    const log = recordingLogger();
    const app = kit.app({ url: nats.url, logger: log.logger });
    await app.start();
    const result = await app.service.subscribe('grant/+', () => {}, { qos: 2 });
    assert.equal(result.qos, 1);
    const topic = app.service.topics.find((t) => t.filter === 'grant/+');
    assert.deepEqual({ qos: topic?.qos, granted: topic?.granted }, { qos: 2, granted: 1 });
    assert.deepEqual(
      log.lines.filter((l) => /broker granted QoS/.test(l.msg)).map((l) => `${l.level}: ${l.msg}`),
      ['warn: broker granted QoS 1 for "grant/+" (asked 2)'],
    );
  });
});

describeBroker(
  'rabbitmq-server',
  '5 → 3.1.1 fallback on RabbitMQ (closes the socket on an MQTT 5 CONNECT)',
  () => {
    const kit = faultKit();
    let rabbit: ExternalBroker;
    before(async () => {
      rabbit = await startRabbitMq();
    });
    after(() => rabbit?.close());

    it('falls back within one connect timeout, with one info line, and works', async () => {
      const log = recordingLogger();
      const app = kit.app({ url: rabbit.url, logger: log.logger, connectTimeout: 5000 });
      const begun = Date.now();
      await withTimeout(app.start(), 6000, 'start() within one connect timeout');
      assert.ok(Date.now() - begun < 6000);
      assert.equal(app.service.protocolVersion, 4);
      assert.deepEqual(
        log.lines.filter((l) => /falling back/.test(l.msg)).map((l) => `${l.level}: ${l.msg}`),
        [
          'info: broker closed the connection on the MQTT 5 CONNECT without a CONNACK; falling back to MQTT 3.1.1',
        ],
      );
      assert.deepEqual(
        log.lines.filter((l) => /not reachable/.test(l.msg)),
        [],
      );
      const got = new Recorder<string>();
      await app.service.subscribe('rabbit/+', (ctx) => got.record(ctx.topic), { qos: 1 });
      await app.service.publish('rabbit/x', 'hello', { qos: 1 });
      assert.deepEqual(await got.waitFor(1), ['rabbit/x']);
    });
  },
);

describeBroker(
  'ejabberd',
  'capabilities on ejabberd (MQTT 5, no shared subscriptions, session expiry capped)',
  () => {
    const kit = faultKit();
    let ejabberd: ExternalBroker;
    before(async () => {
      ejabberd = await startEjabberd();
    });
    after(() => ejabberd?.close());

    it('start() rejects naming the shared filters, sending no SUBSCRIBE for them', async () => {
      @MqttController('ej')
      class Jobs {
        @Topic('jobs/+', { share: 'workers' })
        jobs(): void {}
      }
      const app = kit.app({
        url: ejabberd.url,
        ...ejabberd.credentials,
        controllers: [Jobs],
      });
      await assert.rejects(
        withTimeout(app.start(), 10_000, 'start() settles'),
        (error: unknown) =>
          error instanceof MqttCapabilityError &&
          error.limit === 'sharedSubscriptionAvailable' &&
          /"\$share\/workers\/ej\/jobs\/\+"/.test(error.message),
      );
    });

    it('shows the granted session expiry below what was asked, warned once', async () => {
      const log = recordingLogger();
      const app = kit.app({
        url: ejabberd.url,
        ...ejabberd.credentials,
        clean: false,
        clientId: 'ej-expiry',
        sessionExpiryInterval: 3600,
        logger: log.logger,
      });
      await app.start();
      const caps = app.service.capabilities;
      assert.equal(caps.protocolVersion, 5);
      assert.equal(caps.sharedSubscriptionAvailable, false);
      assert.ok(caps.sessionExpiryInterval !== undefined && caps.sessionExpiryInterval < 3600);
      assert.deepEqual(
        log.lines.filter((l) => /granted sessionExpiryInterval/.test(l.msg)).map((l) => l.level),
        ['warn'],
      );
    });
  },
);

void silentLogger;
