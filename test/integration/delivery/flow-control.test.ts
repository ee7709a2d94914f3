import 'reflect-metadata';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import Koa from 'koa';
import type { MqttClient } from 'mqtt';
import { Registry } from 'prom-client';
import {
  type MqttApp,
  MqttController,
  MqttHandlerTimeoutError,
  type MqttHealthReport,
  mqttHealth,
  Payload,
  silentLogger,
  Topic,
  useMqtt,
} from '../../../src/index.js';
import { mqttMetrics } from '../../../src/metrics/index.js';
import { faultKit } from '../../helpers/fault-kit.js';
import { describeMosquitto } from '../../helpers/mosquitto-available.js';
import { missing, publishNumbered, rawPublisher } from '../../helpers/numbered.js';
import { Recorder } from '../../helpers/recorder.js';
import { waitFor } from '../../helpers/wait.js';

let ids = 0;
const clientId = (name: string) => `flowctl-${name}-${process.pid}-${++ids}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const mb = (bytes: number) => Math.round(bytes / 1024 / 102.4) / 10;
// A full collection on demand, for retained-heap figures (node is not started with --expose-gc).
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Counts the app's connection losses (not the ones `stop()` asks for). */
function countDisconnects(app: MqttApp): () => number {
  let count = 0;
  app.connection.on('disconnect', (info) => {
    if (!info.requested) count++;
  });
  return () => count;
}

/** Resolves after the app's mqtt.js client received `count` more PINGRESPs: keepalive works. */
function pingResponses(app: MqttApp, count: number): Promise<void> {
  const client = app.connection.client as MqttClient;
  let seen = 0;
  return new Promise((resolve) => {
    const onPacket = (packet: { cmd: string }) => {
      if (packet.cmd !== 'pingresp' || ++seen < count) return;
      client.off('packetreceive', onPacket);
      resolve();
    };
    client.on('packetreceive', onPacket);
  });
}

/**
 * The acceptance of issue 12: the link stays up while handlers are slow or hung, `maxInFlight`
 * is a hard bound, handler timeouts free their slot, readiness does not wait for a backlog, and a
 * QoS 0 flood stays within the documented memory bound. Each test prints its figures.
 */
describeMosquitto('flow control keeps the link alive (Mosquitto)', () => {
  const { pool, broker, app } = faultKit();

  it('1 s handlers, maxInFlight 1, keepalive 5 s, 40 QoS 1 messages: all handled, no disconnect, peak 1, no duplicate (MQTT 5 and 3.1.1)', {
    timeout: 90_000,
  }, async () => {
    const mosquitto = await broker();
    const total = 40;
    const run = async (protocolVersion: 4 | 5) => {
      const topic = `slow${protocolVersion}`;
      const seen = new Recorder<string>();
      let running = 0;
      let peak = 0;
      @MqttController(topic)
      class Slow {
        @Topic('+', { qos: 1 })
        async on(@Payload() n: string) {
          running++;
          peak = Math.max(peak, running);
          await sleep(1000);
          running--;
          seen.record(n);
        }
      }
      const subscriber = app({
        url: mosquitto.url,
        protocolVersion,
        clientId: clientId(`slow${protocolVersion}`),
        clean: false,
        keepalive: 5,
        ack: 'after-handler',
        maxInFlight: 1,
        controllers: [Slow],
      });
      const disconnects = countDisconnects(subscriber);
      await subscriber.start();
      const publisher = await pool.connect(mosquitto.url);
      const t0 = performance.now();
      await publishNumbered(rawPublisher(publisher), `${topic}/n`, { count: total, window: total });
      await seen.waitFor(total, 60_000);
      const seconds = (performance.now() - t0) / 1000;
      const duplicates = seen.count - new Set(seen.calls).size;
      console.log(
        `# slow handlers (MQTT ${protocolVersion === 5 ? '5' : '3.1.1'}): ${seen.count} handled in ${seconds.toFixed(1)} s, ${disconnects()} disconnects, peak concurrency ${peak}, ${duplicates} duplicates, ${subscriber.dispatcher.stats.pauses} read pauses`,
      );
      assert.deepEqual(missing(seen.calls, total), []);
      assert.ok(seconds < 50, `handled in ${seconds.toFixed(1)} s (bound 50 s)`);
      assert.equal(disconnects(), 0, 'no disconnect');
      assert.equal(peak, 1, 'peak concurrency');
      assert.equal(duplicates, 0, 'duplicates');
      assert.equal(subscriber.service.connected, true);
    };
    // Both protocol versions at once: the handlers sleep, so they barely compete for the CPU.
    await Promise.all([run(5), run(4)]);
  });

  it('four hung handlers, maxInFlight 4, handlerTimeout 1000, keepalive 2 s: 100 other messages handled, no disconnect, 4 timeouts, peak ≤ 4', {
    timeout: 60_000,
  }, async () => {
    const mosquitto = await broker();
    const hungStarted = new Recorder<string>();
    const work = new Recorder<string>();
    const timeouts = new Recorder<MqttHandlerTimeoutError>();
    const otherErrors: Error[] = [];
    let running = 0;
    let peak = 0;
    let peakInFlight = 0;
    @MqttController()
    class Mixed {
      @Topic('hang/+', { qos: 1 })
      async hang(@Payload() n: string) {
        running++;
        peak = Math.max(peak, running);
        hungStarted.record(n);
        await new Promise(() => {}); // never settles
      }

      @Topic('work/+', { qos: 1 })
      async work(@Payload() n: string) {
        running++;
        peak = Math.max(peak, running);
        peakInFlight = Math.max(peakInFlight, subscriber.service.inFlight);
        await sleep(2);
        running--;
        work.record(n);
      }
    }
    const subscriber = app({
      url: mosquitto.url,
      clientId: clientId('hung'),
      clean: false,
      keepalive: 2,
      ack: 'after-handler',
      maxInFlight: 4,
      handlerTimeout: 1000,
      controllers: [Mixed],
      onError: (error) => {
        if (error instanceof MqttHandlerTimeoutError) {
          running--; // the run goes on, but no longer holds a slot
          timeouts.record(error);
        } else otherErrors.push(error);
      },
    });
    const disconnects = countDisconnects(subscriber);
    await subscriber.start();
    const publisher = await pool.connect(mosquitto.url);
    const t0 = performance.now();
    for (let i = 1; i <= 4; i++) await publisher.publishAsync(`hang/${i}`, String(i), { qos: 1 });
    await hungStarted.waitFor(4, 10_000);
    await publishNumbered(rawPublisher(publisher), 'work/n', { count: 100, window: 100 });
    await work.waitFor(100, 30_000);
    const workSeconds = (performance.now() - t0) / 1000;
    await timeouts.waitFor(4, 10_000);
    // The link is healthy: mqtt.js's keepalive gets its answers (and the hung runs hold nothing).
    await pingResponses(subscriber, 2);
    console.log(
      `# hung handlers: ${work.count} other messages handled in ${workSeconds.toFixed(1)} s, ${disconnects()} disconnects, ${timeouts.count} timeouts, peak concurrency ${peak} (inFlight ${peakInFlight}), hung runs started ${hungStarted.count}`,
    );
    assert.deepEqual(missing(work.calls, 100), []);
    assert.equal(disconnects(), 0, 'no disconnect');
    assert.equal(timeouts.count, 4);
    for (const error of timeouts.calls) {
      assert.equal(error.handler, 'Mixed.hang');
      assert.match(error.topic, /^hang\/[1-4]$/);
      assert.equal(error.timeoutMs, 1000);
    }
    assert.deepEqual(otherErrors, []);
    assert.ok(peak <= 4, `peak concurrency ${peak}`);
    assert.ok(peakInFlight <= 4, `peak inFlight ${peakInFlight}`);
    assert.equal(hungStarted.count, 4, 'no hung message was run twice');
    assert.equal(subscriber.dispatcher.stats.timeouts, 4);
  });

  it('a session holding 10,000 queued QoS 1 messages: listen() resolves within 1 s, /health is 200, the backlog is then handled in full', {
    timeout: 90_000,
  }, async () => {
    const total = 10_000;
    const mosquitto = await broker({ maxQueuedMessages: 20_000 });
    const id = clientId('backlog');
    const seen = new Recorder<string>();
    @MqttController('backlog')
    class Backlog {
      @Topic('+', { qos: 1 })
      async on(@Payload() n: string) {
        await sleep(1);
        seen.record(n);
      }
    }
    const options = {
      url: mosquitto.url,
      clientId: id,
      clean: false,
      ack: 'after-handler' as const,
      maxInFlight: 50,
      controllers: [Backlog],
      logger: silentLogger,
    };
    // The first run makes the session, then goes away; the backlog piles up meanwhile.
    const first = app(options);
    await first.start();
    await first.stop();
    const publisher = await pool.connect(mosquitto.url);
    await publishNumbered(rawPublisher(publisher), 'backlog/n', { count: total, window: 1000 });

    const koa = new Koa();
    koa.use(mqttHealth({ path: '/health' }));
    const handle = useMqtt(koa, options);
    try {
      const t0 = performance.now();
      const server = await handle.listen(0, '127.0.0.1');
      const listenMs = performance.now() - t0;
      const handledAtListen = seen.count;
      const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/health`);
      const report = (await response.json()) as MqttHealthReport;
      const d0 = performance.now();
      await seen.waitFor(total, 60_000);
      const drainSeconds = (performance.now() - d0) / 1000;
      console.log(
        `# backlog: listen() resolved ${listenMs.toFixed(0)} ms after it was called (connect and CONNACK included), ${handledAtListen} of ${total} handled by then; /health ${response.status}; backlog handled in ${drainSeconds.toFixed(1)} s more (${seen.count} runs, ${new Set(seen.calls).size} distinct)`,
      );
      assert.ok(listenMs < 1000, `listen() took ${listenMs.toFixed(0)} ms`);
      assert.equal(response.status, 200);
      assert.equal(report.status, 'ok');
      assert.deepEqual(
        report.subscriptions.map((s) => s.filter),
        ['backlog/+'],
      );
      assert.deepEqual(missing(seen.calls, total), []);
    } finally {
      await handle.stop();
    }
  });

  it('a QoS 0 flood of 200,000 messages into slower handlers: bounded queue and memory, connection up, drops counted in the metrics', {
    timeout: 120_000,
  }, async () => {
    const total = 200_000;
    const maxQueued = 1000;
    const mosquitto = await broker();
    let handled = 0;
    let peakQueued = 0;
    let endSeen = false;
    @MqttController('flood')
    class Flood {
      @Topic('+')
      async on(@Payload() n: string) {
        peakQueued = Math.max(peakQueued, subscriber.service.queued);
        await sleep(5);
        handled++;
        if (n === 'end') endSeen = true;
      }
    }
    const subscriber = app({
      url: mosquitto.url,
      clientId: clientId('flood'),
      keepalive: 5,
      maxInFlight: 8,
      maxQueued,
      controllers: [Flood],
    });
    const registry = new Registry();
    const metrics = await mqttMetrics(subscriber, { registry });
    const disconnects = countDisconnects(subscriber);
    await subscriber.start();
    const publisher = await pool.connect(mosquitto.url);
    // Retained heap: measured after a full collection, so garbage not yet collected does not count.
    const retained = () => {
      gc();
      return process.memoryUsage().heapUsed;
    };
    const baseline = retained();
    let peakHeap = baseline;
    const sampler = setInterval(() => {
      peakHeap = Math.max(peakHeap, retained());
      peakQueued = Math.max(peakQueued, subscriber.service.queued);
    }, 500);
    const t0 = performance.now();
    try {
      await publishNumbered((topic, n) => publisher.publishAsync(topic, n, { qos: 0 }), 'flood/n', {
        count: total,
        window: 1000,
      });
      // The marker goes out after the flood on the same connection: once it was handled, the app
      // received everything Mosquitto delivered of the flood (drop-oldest never drops the newest).
      await publisher.publishAsync('flood/end', 'end', { qos: 0 });
      await waitFor(() => endSeen && subscriber.service.queued === 0 && subscriber.service.inFlight === 0, {
        timeout: 60_000,
        message: 'the end marker handled and the queue drained',
      });
    } finally {
      clearInterval(sampler);
    }
    const seconds = (performance.now() - t0) / 1000;
    const text = await registry.metrics();
    metrics.stop();
    const value = (name: string) => Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1] ?? Number.NaN);
    const receivedTotal = value('mqtt_messages_received_total');
    const dropped = value('mqtt_messages_dropped_total');
    console.log(
      `# QoS 0 flood: ${receivedTotal} of ${total + 1} received in ${seconds.toFixed(1)} s, ${handled} handled, ${dropped} dropped (drop-oldest), peak queued ${peakQueued} (maxQueued ${maxQueued}), peak retained heap ${mb(peakHeap)} MB (baseline ${mb(baseline)} MB), ${disconnects()} disconnects`,
    );
    assert.equal(disconnects(), 0, 'no disconnect');
    assert.equal(subscriber.service.connected, true);
    assert.ok(peakQueued <= maxQueued, `peak queued ${peakQueued}`);
    assert.ok(dropped > 0, 'the overflow policy dropped messages');
    assert.equal(dropped, subscriber.dispatcher.stats.dropped, 'the metric is the dispatcher counter');
    assert.equal(receivedTotal, handled + dropped, 'every message received was handled or dropped');
    assert.ok(receivedTotal > total / 2, `received ${receivedTotal}`);
    // docs/delivery.md: the queue holds at most maxQueued QoS 0 messages (about 1 KB each with a
    // small payload); 32 MB leaves room for the in-process publisher, far below 200,000 queued.
    assert.ok(peakHeap - baseline < 32 * 1024 * 1024, `retained heap grew ${mb(peakHeap - baseline)} MB`);
  });
});
