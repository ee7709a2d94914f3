import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { ClientPool } from '../clients.js';
import { describeBroker } from './available.js';
import type { ExternalBroker } from './broker-process.js';
import { startRabbitMq } from './rabbitmq.js';
import { report, roundTrip } from './round-trip.js';

const V311 = { protocolVersion: 4 } as const;

describeBroker('rabbitmq-server', 'startRabbitMq', () => {
  const pool = new ClientPool();
  let broker: ExternalBroker;
  before(async () => {
    broker = await startRabbitMq();
    report(`rabbitmq-server start-up: ${broker.startupMs} ms`);
  });
  after(async () => {
    await pool.closeAll();
    await broker?.close();
  });

  it('runs a node of its own, with the MQTT plugin on a free port', async () => {
    assert.notEqual(broker.port, 1883);
    assert.match(broker.logs(), /node\s+: koa-mqtt-\d+-[0-9a-f]+@localhost/);
    assert.match(broker.logs(), /started MQTT TCP listener on 127\.0\.0\.1:\d+/);
  });

  it('round-trips QoS 1 on MQTT 3.1.1', async () => {
    const sub = await pool.connect(broker.url, V311);
    const pub = await pool.connect(broker.url, V311);
    await roundTrip(sub, pub, 'smoke/rabbitmq');
  });

  it('closes an MQTT 5 CONNECT without a CONNACK', async () => {
    const client = pool.open(broker.url, { protocolVersion: 5 });
    const outcome = await new Promise<string>((resolve) => {
      client.once('connect', () => resolve('connack'));
      client.once('error', (error) => resolve(`error: ${error.message}`));
      client.once('close', () => resolve('closed'));
    });
    assert.equal(outcome, 'closed');
  });
});
