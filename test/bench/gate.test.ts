import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import mqtt from 'mqtt';
import mqttPacket from 'mqtt-packet';
import { startBenchMosquitto } from '../../bench/lib/brokers.js';
import { BacklogGate, ConnectReader, PacketCounter, PUBACK, PUBLISH } from '../../bench/lib/gate.js';
import { describeMosquitto } from '../helpers/mosquitto-available.js';

/** A stream of packets: CONNACK, PUBLISHes of 1- and 2-byte lengths, PINGRESP, PUBACKs. */
function stream(): { bytes: Buffer; publishes: number; pubacks: number } {
  const packets = [
    mqttPacket.generate({ cmd: 'connack', returnCode: 0, sessionPresent: false }),
    mqttPacket.generate({ cmd: 'publish', topic: 'a/b', payload: 'x', qos: 0, retain: false, dup: false }),
    mqttPacket.generate({
      cmd: 'publish',
      topic: 'a/b',
      payload: 'y'.repeat(300),
      qos: 1,
      messageId: 7,
      retain: false,
      dup: false,
    }),
    mqttPacket.generate({ cmd: 'pingresp' }),
    mqttPacket.generate({ cmd: 'suback', messageId: 2, granted: [1] }),
    mqttPacket.generate({ cmd: 'puback', messageId: 7 }),
    mqttPacket.generate({ cmd: 'publish', topic: 't', payload: '', qos: 0, retain: false, dup: false }),
    mqttPacket.generate({ cmd: 'puback', messageId: 8 }),
  ];
  return { bytes: Buffer.concat(packets), publishes: 3, pubacks: 2 };
}

it('PacketCounter counts PUBLISH or PUBACK packets however the stream is cut', () => {
  const { bytes, publishes, pubacks } = stream();
  for (let cut = 0; cut <= bytes.length; cut++) {
    const counter = new PacketCounter(PUBLISH);
    const acks = new PacketCounter(PUBACK);
    for (const part of [bytes.subarray(0, cut), bytes.subarray(cut)]) {
      counter.feed(part);
      acks.feed(part);
    }
    assert.equal(counter.count, publishes, `cut at byte ${cut}`);
    assert.equal(acks.count, pubacks, `cut at byte ${cut}`);
  }
  const byteByByte = new PacketCounter(PUBLISH);
  for (const byte of bytes) byteByByte.feed(Buffer.from([byte]));
  assert.equal(byteByByte.count, publishes);
  // A payload byte that looks like a PUBLISH header (0x30) is not counted.
  const tricky = new PacketCounter(PUBLISH);
  tricky.feed(
    mqttPacket.generate({ cmd: 'publish', topic: 'a', payload: '000', qos: 0, retain: false, dup: false }),
  );
  assert.equal(tricky.count, 1);
});

it('ConnectReader reads the client identifier of an MQTT 3.1.1 or 5 CONNECT, once it is all there', () => {
  const v4 = mqttPacket.generate({
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: 4,
    clientId: 'sub-4',
    clean: true,
    keepalive: 60,
  });
  const v5 = mqttPacket.generate({
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: 5,
    clientId: 'sub-5',
    clean: false,
    keepalive: 30,
    properties: { sessionExpiryInterval: 3600, receiveMaximum: 100 },
  });
  assert.equal(new ConnectReader().feed(v4), 'sub-4');
  const reader = new ConnectReader();
  assert.equal(reader.feed(v5.subarray(0, v5.length - 1)), undefined);
  assert.equal(reader.feed(v5.subarray(v5.length - 1)), 'sub-5');
  assert.equal(new ConnectReader().feed(mqttPacket.generate({ cmd: 'pingreq' })), undefined);
});

describeMosquitto('the benchmark gate (Mosquitto)', () => {
  const closers: Array<() => Promise<unknown>> = [];
  after(async () => {
    for (const close of closers.reverse()) await close();
  });

  it('holds what the broker sends until the count is in, then hands it over at once', async () => {
    // The benchmark's broker: no in-flight window, so all 50 QoS 1 messages leave before any ack.
    const broker = await startBenchMosquitto();
    closers.push(() => broker.close());
    // An idle time longer than the test's: a release or settle that resolves did so by its count.
    const gate = await BacklogGate.listen(broker.url, 600_000);
    closers.push(() => gate.close());
    const subscriber = await mqtt.connectAsync(gate.url, { clientId: 'gate-test', reconnectPeriod: 0 });
    closers.push(() => subscriber.endAsync());
    const received: string[] = [];
    let fifty: () => void = () => {};
    const allFifty = new Promise<void>((resolve) => (fifty = resolve));
    subscriber.on('message', (_topic, payload) => {
      received.push(payload.toString());
      if (received.length === 50) fifty();
    });
    await subscriber.subscribeAsync('held/#', { qos: 1 });
    const publisher = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
    closers.push(() => publisher.endAsync());

    gate.holdAll();
    for (let i = 0; i < 50; i++) await publisher.publishAsync('held/t', String(i), { qos: 1 });
    await gate.release('gate-test', 50);
    // The release wrote all 50 in one go; the subscriber has not read any of it yet.
    assert.equal(received.length, 0);
    await allFifty;
    assert.deepEqual(
      received,
      Array.from({ length: 50 }, (_, i) => String(i)),
    );
    // mqtt.js acknowledged each of them; the gate counted the 50 PUBACKs on their way to the broker.
    await gate.settle('gate-test', 50);

    // Released, the link relays again: the next message needs no release.
    const live = new Promise<string>((resolve) =>
      subscriber.once('message', (_t, p) => resolve(p.toString())),
    );
    await publisher.publishAsync('held/t', 'after', { qos: 1 });
    assert.equal(await live, 'after');
  });
});
