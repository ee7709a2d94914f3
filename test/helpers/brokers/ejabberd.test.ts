import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { IConnackPacket } from 'mqtt';
import { ClientPool } from '../clients.js';
import { onceEvent } from '../wait.js';
import { describeBroker } from './available.js';
import type { ExternalBroker } from './broker-process.js';
import { startEjabberd } from './ejabberd.js';
import { report, roundTrip } from './round-trip.js';

describeBroker('ejabberd', 'startEjabberd', () => {
  const pool = new ClientPool();
  let broker: ExternalBroker;
  before(async () => {
    broker = await startEjabberd();
    report(`ejabberd start-up: ${broker.startupMs} ms`);
  });
  after(async () => {
    await pool.closeAll();
    await broker?.close();
  });

  it('round-trips QoS 1 on MQTT 5 and 3.1.1, with its credentials', async () => {
    assert.notEqual(broker.port, 1883);
    const v5 = await pool.connect(broker.url, { protocolVersion: 5, ...broker.credentials });
    const v311 = await pool.connect(broker.url, { protocolVersion: 4, ...broker.credentials });
    await roundTrip(v5, v311, 'smoke/ejabberd/in');
    await roundTrip(v311, v5, 'smoke/ejabberd/out');
  });

  it('announces no shared subscriptions in its MQTT 5 CONNACK', async () => {
    const client = pool.open(broker.url, { protocolVersion: 5, ...broker.credentials });
    const properties = (await onceEvent<IConnackPacket>(client, 'connect', 5000)).properties;
    report(`ejabberd CONNACK properties: ${JSON.stringify(properties)}`);
    assert.equal(properties?.sharedSubscriptionAvailable, false);
  });

  it('refuses a CONNECT without a password', async () => {
    await assert.rejects(pool.connect(broker.url, { protocolVersion: 5 }), { code: 0x87 });
  });
});
