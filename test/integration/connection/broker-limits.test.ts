import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Packet } from 'mqtt';
import {
  type MqttApp,
  MqttCapabilityError,
  MqttError,
  MqttPublishError,
  silentLogger,
} from '../../../src/index.js';
import { startMosquittoWithLimits } from '../../helpers/brokers/mosquitto.js';
import { FAST_RECONNECT, faultKit } from '../../helpers/fault-kit.js';
import type { MosquittoBroker } from '../../helpers/mosquitto.js';
import { mosquittoSkipReason } from '../../helpers/mosquitto-available.js';
import { Recorder } from '../../helpers/recorder.js';
import { collectMessages, onceEvent, withTimeout } from '../../helpers/wait.js';

/** The PUBLISH packets an app's client writes, as mqtt.js reports them. */
function sentPublishes(app: MqttApp): Packet[] {
  const sent: Packet[] = [];
  app.service.client!.on('packetsend', (packet: Packet) => {
    if (packet.cmd === 'publish') sent.push(packet);
  });
  return sent;
}

/** Counts lost connections and failed operations reported to onError. */
function observe(options: { errors: Recorder<Error> }) {
  return { onError: (error: Error) => options.errors.record(error), ...FAST_RECONNECT };
}

describe('broker limits on Mosquitto with limits (MQTT 5: announced in the CONNACK)', {
  skip: mosquittoSkipReason(),
}, () => {
  const kit = faultKit();
  let broker: MosquittoBroker;
  before(async () => {
    // max_qos 1, retain_available false, max_packet_size 2000, max_inflight_messages 2.
    broker = await startMosquittoWithLimits();
  });
  after(() => broker.close());

  it('shows the capabilities on the service', async () => {
    const app = kit.app({ url: broker.url, protocolVersion: 5 });
    await app.start();
    const caps = app.service.capabilities;
    assert.equal(caps.protocolVersion, 5);
    assert.equal(caps.retainAvailable, false);
    assert.equal(caps.maximumPacketSize, 2000);
    assert.equal(caps.receiveMaximum, 2);
    assert.equal(caps.maximumQoS, 1);
    assert.equal(caps.sharedSubscriptionAvailable, true);
  });

  it('refuses QoS 2 naming the Maximum QoS; downgradeQos publishes at 1 and warns once', async () => {
    const strict = kit.app({ url: broker.url, protocolVersion: 5 });
    await strict.start();
    const sent = sentPublishes(strict);
    await assert.rejects(
      strict.service.publish('qos/two', 'x', { qos: 2 }),
      (error: unknown) =>
        error instanceof MqttCapabilityError &&
        error.limit === 'maximumQoS' &&
        error.value === 2 &&
        /Maximum QoS is 1/.test(error.message),
    );
    assert.equal(sent.length, 0);
    const warnings: string[] = [];
    const logger = { ...silentLogger, warn: (_obj: object, msg?: string) => warnings.push(msg ?? '') };
    const lenient = kit.app({ url: broker.url, protocolVersion: 5, downgradeQos: true, logger });
    await lenient.start();
    const reader = await kit.pool.connect(broker.url, { protocolVersion: 5 });
    await reader.subscribeAsync('qos/#', { qos: 1 });
    const arrived = collectMessages(reader, 2, 5000);
    await lenient.service.publish('qos/two', 'a', { qos: 2 });
    await lenient.service.publish('qos/two', 'b', { qos: 2 });
    assert.deepEqual(
      (await arrived).map((m) => m.packet.qos),
      [1, 1],
    );
    assert.deepEqual(warnings, ['publish QoS lowered to the broker maximum (downgradeQos)']);
  });

  it('refuses a retained publish and an oversized one before sending, counting the packet to the byte', async () => {
    const errors = new Recorder<Error>();
    const app = kit.app({ url: broker.url, protocolVersion: 5, ...observe({ errors }) });
    await app.start();
    const sent = sentPublishes(app);
    let disconnects = 0;
    app.connection.on('disconnect', () => disconnects++);
    const reader = await kit.pool.connect(broker.url, { protocolVersion: 5 });
    await reader.subscribeAsync('limits/#', { qos: 1 });

    await assert.rejects(
      app.service.publish('limits/retained', 'x', { qos: 1, retain: true }),
      (error: unknown) =>
        error instanceof MqttCapabilityError &&
        error.limit === 'retainAvailable' &&
        /retain/i.test(error.message),
    );
    // 'limits/size' is 11 bytes: 1 + 2 (remaining length) + 2 + 11 + 2 (packet id) + 1 (properties) = 19 around the payload.
    await assert.rejects(
      app.service.publish('limits/size', Buffer.alloc(1982), { qos: 1 }),
      (error: unknown) =>
        error instanceof MqttCapabilityError &&
        error.limit === 'maximumPacketSize' &&
        error.value === 2001 &&
        /2001 bytes.*Maximum Packet Size of 2000/.test(error.message),
    );
    assert.equal(sent.length, 0, 'nothing was sent');
    // One byte less is exactly the broker's maximum: it goes through.
    const arrived = collectMessages(reader, 1, 5000);
    await app.service.publish('limits/size', Buffer.alloc(1981), { qos: 1 });
    assert.equal((await arrived)[0]!.payload.length, 1981);
    assert.equal(sent.length, 1);
    assert.equal(disconnects, 0);
    assert.equal(app.service.connected, true);
  });

  it('holds QoS 1 publishes to the Receive Maximum: 50 at once all succeed', async () => {
    const app = kit.app({ url: broker.url, protocolVersion: 5 });
    await app.start();
    const reader = await kit.pool.connect(broker.url, { protocolVersion: 5 });
    await reader.subscribeAsync('quota/#', { qos: 2 });
    const arrived = collectMessages(reader, 50, 10_000);
    let most = 0;
    let inFlight = 0;
    app.service.client!.on('packetsend', (packet: Packet) => {
      if (packet.cmd === 'publish') most = Math.max(most, ++inFlight);
    });
    app.service.client!.on('packetreceive', (packet: Packet) => {
      if (packet.cmd === 'puback') inFlight--;
    });
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) => app.service.publish(`quota/${i}`, String(i), { qos: 1 })),
    );
    assert.deepEqual(
      results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason)),
      [],
    );
    assert.equal((await arrived).length, 50);
    assert.ok(most <= 2, `at most Receive Maximum (2) in flight, saw ${most}`);
  });

  it('a reply over the packet size goes to onError; the responder stays connected', async () => {
    const errors = new Recorder<Error>();
    const responder = kit.app({ url: broker.url, protocolVersion: 5, ...observe({ errors }) });
    await responder.start();
    await responder.service.subscribe('ask/big', () => 'y'.repeat(3000));
    const asker = await kit.pool.connect(broker.url, { protocolVersion: 5 });
    await asker.publishAsync('ask/big', 'q', { qos: 1, properties: { responseTopic: 'answer/big' } });
    const [error] = await errors.waitFor(1);
    assert.ok(error instanceof MqttError);
    assert.equal(error.code, 'ERR_MQTT_REPLY');
    assert.ok(error.cause instanceof MqttCapabilityError);
    assert.equal(error.cause.limit, 'maximumPacketSize');
    assert.equal(responder.service.connected, true);
  });

  it('a packet refused with a DISCONNECT reason code rejects with it, is not resent, and the app carries on', async () => {
    const errors = new Recorder<Error>();
    const warnings: string[] = [];
    const logger = { ...silentLogger, warn: (_obj: object, msg?: string) => warnings.push(msg ?? '') };
    const app = kit.app({ url: broker.url, protocolVersion: 5, logger, ...observe({ errors }) });
    await app.start();
    let disconnects = 0;
    app.connection.on('disconnect', () => disconnects++);
    const back = onceEvent(app.connection, 'connect', 5000, { rejectOnError: false });
    // Topic alias 0 is a malformed packet to Mosquitto (DISCONNECT 0x81). Sent below the service,
    // whose own checks refuse it, to exercise the connection's handling of a broker's refusal.
    const refused = app.connection.publish('alias/zero', 'x', { qos: 1, properties: { topicAlias: 0 } });
    await assert.rejects(
      withTimeout(refused, 5000, 'the refused publish settles'),
      (error: unknown) =>
        error instanceof MqttPublishError &&
        error.reasonCode === 0x81 &&
        /malformed packet/.test(error.message),
    );
    await back;
    assert.ok(errors.calls.some((e) => e instanceof MqttPublishError && e.reasonCode === 0x81));
    // The broker's DISCONNECT is logged once, with its reason.
    assert.deepEqual(
      warnings.filter((w) => /disconnected us/.test(w)),
      ['MQTT broker disconnected us (malformed packet, 0x81); reconnecting'],
    );
    // Still working, and the refused packet was not sent again on the new connection.
    const reader = await kit.pool.connect(broker.url, { protocolVersion: 5 });
    await reader.subscribeAsync('after/#', { qos: 1 });
    const arrived = collectMessages(reader, 1, 5000);
    await app.service.publish('after/refusal', 'ok', { qos: 1 });
    assert.equal((await arrived)[0]!.topic, 'after/refusal');
    assert.equal(disconnects, 1);
  });
});

describe('refusals on Mosquitto with limits (MQTT 3.1.1: the broker just closes)', {
  skip: mosquittoSkipReason(),
}, () => {
  const kit = faultKit();
  let broker: MosquittoBroker;
  before(async () => {
    // max_qos 1, retain_available false, max_packet_size 2000, max_inflight_messages 2.
    broker = await startMosquittoWithLimits();
  });
  after(() => broker.close());

  for (const [name, topic, payload, options] of [
    ['a QoS 2 publish above max_qos', 'refuse/qos', 'x', { qos: 2 as const }],
    ['a retained publish', 'refuse/retained', 'x', { qos: 1 as const, retain: true }],
    ['a packet over max_packet_size', 'refuse/size', Buffer.alloc(5000), { qos: 1 as const }],
  ] as const) {
    it(`${name} fails after two closes in a row, leaves the store, and the app carries on`, async () => {
      const errors = new Recorder<Error>();
      const app = kit.app({ url: broker.url, protocolVersion: 4, ...observe({ errors }) });
      await app.start();
      let disconnects = 0;
      app.connection.on('disconnect', () => disconnects++);
      const error = await withTimeout(
        app.service.publish(topic, payload, options).then(
          () => assert.fail('the broker refuses it'),
          (e: unknown) => e,
        ),
        10_000,
        'the refused publish settles',
      );
      assert.ok(error instanceof MqttPublishError, String(error));
      assert.match(error.message, /refused at QoS \d, not resent.*2 time\(s\) in a row/);
      // The second close comes while mqtt.js resends its store, before it reports the reconnect:
      // one lost connection and one failed attempt.
      assert.equal(disconnects, 1);
      await errors.waitFor(1);
      assert.ok(errors.calls.includes(error));
      if (!app.service.connected) await onceEvent(app.connection, 'connect', 5000, { rejectOnError: false });
      const reader = await kit.pool.connect(broker.url, { protocolVersion: 4 });
      await reader.subscribeAsync('carry/#', { qos: 1 });
      const arrived = collectMessages(reader, 1, 5000);
      await app.service.publish('carry/on', 'ok', { qos: 1 });
      assert.equal((await arrived)[0]!.topic, 'carry/on');
      assert.equal(disconnects, 1, 'no loop: the refused packet was not resent');
    });
  }

  it('declared brokerLimits refuse before sending: no close at all', async () => {
    const app = kit.app({
      url: broker.url,
      protocolVersion: 4,
      brokerLimits: { retain: false, maxPacketSize: 2000, maxQos: 1 },
    });
    await app.start();
    let disconnects = 0;
    app.connection.on('disconnect', () => disconnects++);
    await assert.rejects(app.service.publish('d/r', 'x', { retain: true }), MqttCapabilityError);
    await assert.rejects(app.service.publish('d/q', 'x', { qos: 2 }), /Maximum QoS is 1/);
    await assert.rejects(app.service.publish('d/s', Buffer.alloc(3000)), /Maximum Packet Size of 2000/);
    await app.service.publish('d/ok', 'x', { qos: 1 });
    assert.equal(disconnects, 0);
  });
});
