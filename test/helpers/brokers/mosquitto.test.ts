import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { IConnackPacket } from 'mqtt';
import { ClientPool } from '../clients.js';
import type { MosquittoBroker } from '../mosquitto.js';
import { collectMessages, onceEvent } from '../wait.js';
import { describeBroker } from './available.js';
import { startMosquittoWithDuplicates, startMosquittoWithLimits } from './mosquitto.js';
import { report, roundTrip } from './round-trip.js';

describeBroker('mosquitto', 'startMosquittoWithLimits', () => {
  const pool = new ClientPool();
  let broker: MosquittoBroker;
  before(async () => {
    const started = performance.now();
    broker = await startMosquittoWithLimits();
    report(`mosquitto (limits) start-up: ${Math.round(performance.now() - started)} ms`);
  });
  after(async () => {
    await pool.closeAll();
    await broker?.close();
  });

  it('announces the limits in its MQTT 5 CONNACK', async () => {
    const client = pool.open(broker.url, { protocolVersion: 5 });
    const properties = (await onceEvent<IConnackPacket>(client, 'connect', 5000)).properties;
    report(`mosquitto (limits) CONNACK properties: ${JSON.stringify(properties)}`);
    assert.equal(properties?.maximumQoS, 1);
    assert.equal(properties?.retainAvailable, false);
    assert.equal(properties?.maximumPacketSize, 2000);
    assert.equal(properties?.receiveMaximum, 2);
  });

  it('round-trips QoS 1 within the limits', async () => {
    const sub = await pool.connect(broker.url, { protocolVersion: 5 });
    const pub = await pool.connect(broker.url, { protocolVersion: 4 });
    await roundTrip(sub, pub, 'smoke/limits');
  });
});

describeBroker('mosquitto', 'startMosquittoWithDuplicates', () => {
  const pool = new ClientPool();
  let broker: MosquittoBroker;
  before(async () => {
    broker = await startMosquittoWithDuplicates();
  });
  after(async () => {
    await pool.closeAll();
    await broker?.close();
  });

  it('sends one copy per overlapping subscription on MQTT 3.1.1', async () => {
    const sub = await pool.connect(broker.url, { protocolVersion: 4 });
    await sub.subscribeAsync(['dup/+', 'dup/#', 'dup/x'], { qos: 1 });
    const pub = await pool.connect(broker.url, { protocolVersion: 4 });
    const copies = collectMessages(sub, 3, 5000);
    await pub.publishAsync('dup/x', 'once', { qos: 1 });
    assert.equal((await copies).length, 3);
  });
});
