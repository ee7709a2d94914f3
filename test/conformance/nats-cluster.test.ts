import 'reflect-metadata';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { after, before, it } from 'node:test';
import type { MqttClient } from 'mqtt';
import {
  createMqttApp,
  type MqttApp,
  MqttController,
  silentLogger,
  Topic,
  TopicParam,
} from '../../src/index.js';
import { describeBroker } from '../helpers/brokers/available.js';
import { type NatsCluster, startNatsCluster } from '../helpers/brokers/nats.js';
import { ClientPool } from '../helpers/clients.js';
import { Recorder } from '../helpers/recorder.js';
import { waitFor, withTimeout } from '../helpers/wait.js';
import type { ConformanceAppOptions } from './conformance-kit.js';
import { PROFILES } from './profiles.js';

const TOTAL = 600;
const KILL_AFTER = 200;
const WINDOW = 25;

describeBroker('nats-server', 'NATS cluster: the app lists three nodes and moves when its node dies', () => {
  let cluster: NatsCluster;
  const pool = new ClientPool();
  let app: MqttApp | undefined;

  before(async () => {
    const started = performance.now();
    // ack_wait 2 s: a message the dead node had sent but not seen acknowledged comes back soon.
    cluster = await startNatsCluster(3, { mqtt: ['ack_wait: "2s"'] });
    console.log(`NATS 3-node cluster started in ${Math.round(performance.now() - started)} ms`);
  });
  after(async () => {
    await app?.stop();
    await pool.closeAll();
    await cluster?.close();
  });

  it(`loses none of ${TOTAL} QoS 1 messages published through another node while the app's node is killed`, {
    timeout: 120_000,
  }, async () => {
    const seen = new Recorder<number>();
    @MqttController('cluster')
    class Flow {
      @Topic('flow/+n', { qos: 1 })
      on(@TopicParam('n') n: string) {
        seen.record(Number(n));
      }
    }
    const options: ConformanceAppOptions = {
      servers: [...cluster.urls],
      clientId: `koa-mqtt-cluster-${process.pid}`,
      clean: false,
      reconnectPeriod: 100,
      logger: silentLogger,
      brokerLimits: PROFILES.nats.brokerLimits,
      controllers: [Flow],
    };
    app = createMqttApp(options);
    await app.start();
    const first = cluster.nodes.findIndex((node) => node.port === remotePort(app!));
    assert.equal(first, 0, 'the app connects to the first node it lists');

    // The publisher is on the last node, which stays up.
    const publisherNode = cluster.nodes.length - 1;
    const publisher: MqttClient = await pool.connect(cluster.urls[publisherNode]!, { protocolVersion: 4 });
    const moved = new Promise<void>((resolve) =>
      app!.service.events.on('connect', (info) => {
        if (info.reconnect) resolve();
      }),
    );
    let killedAt = 0;
    let movedAt = 0;
    for (let from = 1; from <= TOTAL; from += WINDOW) {
      if (from > KILL_AFTER && killedAt === 0) {
        await seen.waitFor(KILL_AFTER, 20_000);
        killedAt = performance.now();
        await cluster.nodes[first]!.kill();
        void moved.then(() => {
          movedAt = performance.now();
        });
      }
      const batch: Array<Promise<unknown>> = [];
      for (let n = from; n < from + WINDOW && n <= TOTAL; n++)
        batch.push(publisher.publishAsync(`cluster/flow/${n}`, String(n), { qos: 1 }));
      await withTimeout(Promise.all(batch), 30_000, `PUBACKs for ${from}..${from + WINDOW - 1}`);
    }
    await withTimeout(moved, 30_000, 'the app reconnects to a live node');
    await waitFor(() => new Set(seen.calls).size >= TOTAL, {
      timeout: 60_000,
      message: `all ${TOTAL} messages handled (distinct so far: ${new Set(seen.calls).size})`,
    });

    const now = cluster.nodes.findIndex((node) => node.port === remotePort(app!));
    const distinct = new Set(seen.calls);
    const lost = Array.from({ length: TOTAL }, (_, i) => i + 1).filter((n) => !distinct.has(n));
    const duplicates = seen.count - distinct.size;
    console.log(
      `NATS cluster failover: ${TOTAL} published via node ${publisherNode + 1}, node ${first + 1} killed after ` +
        `${KILL_AFTER} handled; the app moved to node ${now + 1} in ${Math.round(movedAt - killedAt)} ms; ` +
        `handled ${distinct.size} distinct, ${lost.length} lost, ${duplicates} duplicates (QoS 1: at least once)`,
    );
    assert.deepEqual(lost, [], 'nothing lost');
    assert.notEqual(now, first, 'the app is on another node');
    assert.ok(cluster.nodes[now]!.running, 'the node the app is on is alive');
    assert.equal(app.service.connected, true);
  });
});

/** The broker port of the app's current TCP connection. */
function remotePort(app: MqttApp): number {
  const stream = app.service.client?.stream as Socket | undefined;
  return stream?.remotePort ?? -1;
}
