import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { ClientPool } from '../clients.js';
import { describeBroker } from './available.js';
import type { ExternalBroker } from './broker-process.js';
import { type NatsCluster, startNats, startNatsCluster } from './nats.js';
import { report, roundTrip } from './round-trip.js';

const V311 = { protocolVersion: 4 } as const;

describeBroker('nats-server', 'startNats', () => {
  const pool = new ClientPool();
  let broker: ExternalBroker;
  before(async () => {
    broker = await startNats();
    report(`nats-server start-up: ${broker.startupMs} ms`);
  });
  after(async () => {
    await pool.closeAll();
    await broker?.close();
  });

  it('listens for MQTT on a free port of 127.0.0.1 and round-trips QoS 1 on MQTT 3.1.1', async () => {
    assert.equal(broker.url, `mqtt://127.0.0.1:${broker.port}`);
    assert.notEqual(broker.port, 1883);
    assert.match(broker.logs(), /Listening for MQTT clients on mqtt:\/\/127\.0\.0\.1:/);
    const sub = await pool.connect(broker.url, V311);
    const pub = await pool.connect(broker.url, V311);
    await roundTrip(sub, pub, 'smoke/nats');
  });

  it('speaks MQTT 3.1.1 only: an MQTT 5 CONNECT is refused', async () => {
    await assert.rejects(pool.connect(broker.url, { protocolVersion: 5 }));
  });

  it('restart() keeps its ports and data', async () => {
    const pid = broker.pid;
    await broker.restart();
    assert.notEqual(broker.pid, pid);
    const sub = await pool.connect(broker.url, V311);
    const pub = await pool.connect(broker.url, V311);
    await roundTrip(sub, pub, 'smoke/nats/restarted');
  });
});

describeBroker('nats-server', 'startNatsCluster', () => {
  const pool = new ClientPool();
  let cluster: NatsCluster;
  before(async () => {
    const started = performance.now();
    cluster = await startNatsCluster(3);
    report(
      `nats 3-node cluster start-up: ${Math.round(performance.now() - started)} ms ` +
        `(nodes ${cluster.nodes.map((node) => node.startupMs).join(', ')} ms)`,
    );
  });
  after(async () => {
    await pool.closeAll();
    await cluster?.close();
  });

  it('routes a QoS 1 message from one node to another', async () => {
    assert.equal(new Set(cluster.urls).size, 3);
    const sub = await pool.connect(cluster.urls[2]!, V311);
    const pub = await pool.connect(cluster.urls[0]!, V311);
    await roundTrip(sub, pub, 'smoke/cluster');
  });
});
