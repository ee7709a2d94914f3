import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeBroker } from '../../helpers/brokers/available.js';
import { type NatsCluster, startNatsCluster } from '../../helpers/brokers/nats.js';
import { FAST_RECONNECT, faultKit } from '../../helpers/fault-kit.js';
import { Recorder } from '../../helpers/recorder.js';
import { onceEvent } from '../../helpers/wait.js';

describeBroker('nats-server', 'several broker URLs on a 3-node NATS cluster (JetStream sessions)', () => {
  const kit = faultKit();
  let cluster: NatsCluster;
  before(async () => {
    cluster = await startNatsCluster(3);
  });
  after(() => cluster?.close());

  it('moves to a live node when its node is killed while QoS 1 messages flow, losing nothing', async () => {
    const got = new Recorder<string>();
    const app = kit.app({
      servers: [...cluster.urls],
      clientId: 'cluster-failover',
      clean: false,
      brokerLimits: { maxQos: 1, sharedSubscriptions: false },
      ...FAST_RECONNECT,
    });
    await app.start();
    await app.service.subscribe('flow/+', (ctx) => got.record(ctx.text()), { qos: 1 });
    // The app is on node 1 (first in the list); messages come in through node 3.
    const publisher = await kit.pool.connect(cluster.urls[2]!);
    const total = 300;
    let sent = 0;
    const publishSome = async (until: number) => {
      for (; sent < until; sent++) await publisher.publishAsync(`flow/${sent % 7}`, String(sent), { qos: 1 });
    };
    await publishSome(100);
    await got.waitFor(50, 15_000);
    const moved = onceEvent(app.connection, 'connect', 30_000, { rejectOnError: false });
    await cluster.nodes[0]!.kill();
    await publishSome(200);
    await moved;
    await publishSome(total);
    await got.waitFor(total, 30_000).catch(() => {});
    const unique = new Set(got.calls);
    const missing = Array.from({ length: total }, (_, i) => String(i)).filter((n) => !unique.has(n));
    assert.deepEqual(missing, [], `lost ${missing.length} of ${total}`);
  });
});
