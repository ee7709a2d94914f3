import 'reflect-metadata';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { after, before, it } from 'node:test';
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
import { recordingLogger } from '../helpers/log-recorder.js';
import { Recorder } from '../helpers/recorder.js';
import { waitFor, withTimeout } from '../helpers/wait.js';
import type { ConformanceAppOptions } from './conformance-kit.js';
import { PROFILES } from './profiles.js';

const TOTAL = 600;
const KILL_AFTER = 200;
const WINDOW = 25;
/**
 * The publisher's `ackTimeout`. When the killed node led the `$MQTT_msgs` stream, NATS drops the
 * PUBLISHes it gets until a new leader is elected (measured here: about 8 s) and sends no PUBACK;
 * the watchdog then reconnects and mqtt.js sends them again. 4 s: a second timeout (and a longer
 * backoff) is likely, the whole failover still well inside the window's 60 s.
 */
const ACK_TIMEOUT = 4000;

describeBroker('nats-server', 'NATS cluster: both apps list three nodes and survive the death of one', () => {
  let cluster: NatsCluster;
  const apps: MqttApp[] = [];
  /** The cluster node of an app's current TCP connection (-1 if none). */
  const nodeOf = (app: MqttApp): number => {
    const stream = app.service.client?.stream as Socket | undefined;
    return cluster.nodes.findIndex((node) => node.port === stream?.remotePort);
  };

  before(async () => {
    const started = performance.now();
    // ack_wait 2 s: a message the dead node had sent but not seen acknowledged comes back soon.
    cluster = await startNatsCluster(3, { mqtt: ['ack_wait: "2s"'] });
    console.log(`NATS 3-node cluster started in ${Math.round(performance.now() - started)} ms`);
  });
  after(async () => {
    await Promise.all(apps.map((app) => app.stop()));
    await cluster?.close();
  });

  it(`loses none of ${TOTAL} QoS 1 messages an app publishes through another node while the subscribing app's node is killed`, {
    timeout: 240_000,
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
    const app = createMqttApp(options);
    apps.push(app);
    await app.start();
    const first = nodeOf(app);
    assert.equal(first, 0, 'the app connects to the first node it lists');

    // The publisher lists every node too, its own (the last, which stays up) first.
    const last = cluster.nodes.length - 1;
    const publisherLog = recordingLogger();
    const publisherErrors = new Recorder<Error>();
    const publisher = createMqttApp({
      servers: [cluster.urls[last]!, ...cluster.urls.slice(0, last)],
      clientId: `koa-mqtt-cluster-pub-${process.pid}`,
      reconnectPeriod: 100,
      ackTimeout: ACK_TIMEOUT,
      logger: publisherLog.logger,
      onError: publisherErrors.record,
      brokerLimits: PROFILES.nats.brokerLimits,
    });
    apps.push(publisher);
    await publisher.start();
    assert.equal(nodeOf(publisher), last, 'the publisher connects to the last node');

    const moved = new Promise<void>((resolve) =>
      app.service.events.on('connect', (info) => {
        if (info.reconnect) resolve();
      }),
    );
    let killedAt = 0;
    let movedAt = 0;
    let slowest = { from: 0, ms: 0 };
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
      const sent = performance.now();
      for (let n = from; n < from + WINDOW && n <= TOTAL; n++)
        batch.push(publisher.service.publish(`cluster/flow/${n}`, String(n), { qos: 1 }));
      await withTimeout(Promise.all(batch), 60_000, `PUBACKs for ${from}..${from + WINDOW - 1}`);
      const took = performance.now() - sent;
      if (took > slowest.ms) slowest = { from, ms: took };
    }
    await withTimeout(moved, 30_000, 'the app reconnects to a live node');
    await waitFor(() => new Set(seen.calls).size >= TOTAL, {
      timeout: 60_000,
      message: `all ${TOTAL} messages handled (distinct so far: ${new Set(seen.calls).size})`,
    });

    const now = nodeOf(app);
    const distinct = new Set(seen.calls);
    const lost = Array.from({ length: TOTAL }, (_, i) => i + 1).filter((n) => !distinct.has(n));
    const duplicates = seen.count - distinct.size;
    const ackTimeouts = publisherLog.matching(/^No PUBACK\/PUBREC for /, 'warn');
    console.log(
      `NATS cluster failover: ${TOTAL} published by an app on node ${last + 1}, node ${first + 1} killed after ` +
        `${KILL_AFTER} handled; the subscribing app moved to node ${now + 1} in ${Math.round(movedAt - killedAt)} ms; ` +
        `handled ${distinct.size} distinct, ${lost.length} lost, ${duplicates} duplicates (QoS 1: at least once); ` +
        `publisher: ${ackTimeouts.length} ack timeout(s) (${ackTimeouts.map((w) => `id ${w.obj.messageId} after ${w.obj.waitedMs} ms`).join(', ') || 'none'}), ` +
        `now on node ${nodeOf(publisher) + 1}; slowest window ${slowest.from}..${slowest.from + WINDOW - 1}: ${Math.round(slowest.ms)} ms`,
    );
    assert.deepEqual(lost, [], 'nothing lost');
    assert.notEqual(now, first, 'the app is on another node');
    assert.ok(cluster.nodes[now]!.running, 'the node the app is on is alive');
    assert.equal(app.service.connected, true);
    assert.equal(publisher.service.connected, true);
    assert.ok(cluster.nodes[nodeOf(publisher)]?.running, 'the publisher is on a live node');
    assert.ok(
      publisherErrors.calls.every((e) => e.name === 'MqttAckTimeoutError'),
      publisherErrors.calls.map(String).join('\n'),
    );
  });
});
