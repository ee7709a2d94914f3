import 'reflect-metadata';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { it } from 'node:test';
import { promisify } from 'node:util';
import { Store } from 'mqtt';
import {
  type MqttApp,
  MqttConnectionError,
  MqttController,
  MqttOfflineQueueFullError,
  Payload,
  Topic,
  TopicName,
} from '../../../src/index.js';
import { findExecutable } from '../../helpers/executables.js';
import { faultKit } from '../../helpers/fault-kit.js';
import { describeMosquitto } from '../../helpers/mosquitto-available.js';
import { missing, publishNumbered, rawPublisher } from '../../helpers/numbered.js';
import { Recorder } from '../../helpers/recorder.js';
import { collectMessages, deferred, waitFor, withTimeout } from '../../helpers/wait.js';

let ids = 0;
const clientId = (name: string) => `flow-${name}-${process.pid}-${++ids}`;
const count = (text: string, needle: string) => text.split(needle).length - 1;

describeMosquitto('acks, backpressure, sessions and reconnects (Mosquitto)', () => {
  const { pool, broker, app, child } = faultKit();

  /** Drops the app's TCP connection as a network failure would, and waits for the reconnect. */
  const dropConnection = async (target: MqttApp) => {
    // Acks are written at the end of the event-loop turn that made them (a burst's in one write,
    // src/client/ack-batching.ts): the drop comes after that turn, as a real network failure would.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const reconnected = new Promise<boolean>((resolve) =>
      target.connection.once('connect', (info) => resolve(info.sessionPresent)),
    );
    target.connection.client!.stream.destroy();
    return withTimeout(reconnected, 10_000, 'reconnect after a dropped connection');
  };

  for (const ack of ['after-handler', 'auto'] as const) {
    it(`${ack}: a message whose handler had not settled when the connection dropped is ${ack === 'auto' ? 'not redelivered' : 'redelivered, and the copy joins the run in progress'}`, async () => {
      const mosquitto = await broker();
      const seen = new Recorder<string>();
      const gate = deferred();
      @MqttController('acks')
      class Acks {
        @Topic('+', { qos: 1 })
        async on(@Payload() body: string) {
          seen.record(body);
          if (body === 'slow') await gate.promise;
        }
      }
      const subscriber = app({
        url: mosquitto.url,
        clientId: clientId(ack),
        clean: false,
        ack,
        controllers: [Acks],
      });
      await subscriber.start();
      const publisher = await pool.connect(mosquitto.url);
      await publisher.publishAsync('acks/x', 'slow', { qos: 1 });
      await seen.waitFor(1);
      assert.equal(await dropConnection(subscriber), true);
      gate.resolve();
      await publisher.publishAsync('acks/x', 'barrier', { qos: 1 });
      await waitFor(() => seen.calls.includes('barrier'), { timeout: 5000, message: 'barrier handled' });
      // Mosquitto resends unacknowledged messages first on reconnect, so a redelivery precedes the
      // barrier; with after-handler it is a copy of a message still running: acked with it, not run.
      assert.deepEqual(seen.calls, ['slow', 'barrier']);
      assert.equal(
        subscriber.dispatcher.stats.redeliveries,
        ack === 'auto' ? 0 : 1,
        'redelivered copies joined',
      );
      // The copy was acknowledged once the run settled: another reconnect brings nothing back.
      await dropConnection(subscriber);
      await publisher.publishAsync('acks/x', 'second barrier', { qos: 1 });
      await waitFor(() => seen.calls.includes('second barrier'), {
        timeout: 5000,
        message: 'barrier handled',
      });
      assert.deepEqual(seen.calls, ['slow', 'barrier', 'second barrier']);
    });
  }

  it('after-handler: a failing handler is acknowledged (MQTT 5 reason code 0x80), reported, and not redelivered', async () => {
    const mosquitto = await broker({ logAll: true });
    const errors = new Recorder<[Error, string | undefined]>();
    const seen = new Recorder<string>();
    @MqttController('fail')
    class Failing {
      @Topic('+', { qos: 1 })
      async on(@Payload() body: string) {
        seen.record(body);
        if (body === 'bad') throw new Error('cannot handle this one');
      }
    }
    const id = clientId('fail');
    const subscriber = app({
      url: mosquitto.url,
      clientId: id,
      clean: false,
      ack: 'after-handler',
      controllers: [Failing],
      onError: (error, ctx) => errors.record([error, ctx?.topic]),
    });
    await subscriber.start();
    const publisher = await pool.connect(mosquitto.url);
    await publisher.publishAsync('fail/x', 'bad', { qos: 1 });
    const [[error, topic]] = (await errors.waitFor(1)) as [[Error, string | undefined]];
    assert.match(error.message, /cannot handle this one/);
    assert.equal(topic, 'fail/x');
    await waitFor(() => /Received PUBACK from \S+ \(Mid: \d+, RC:128\)/.test(mosquitto.logs()), {
      timeout: 5000,
      message: 'PUBACK with reason code 0x80 in the broker log',
    });
    await dropConnection(subscriber);
    await publisher.publishAsync('fail/x', 'barrier', { qos: 1 });
    await waitFor(() => seen.calls.includes('barrier'), { timeout: 5000, message: 'barrier handled' });
    assert.deepEqual(seen.calls, ['bad', 'barrier']);
  });

  it('after-handler at QoS 2: PUBCOMP is ours, one per message, once its handler settled', async () => {
    const mosquitto = await broker({ logAll: true });
    const seen = new Recorder<string>();
    const gate = deferred();
    @MqttController('qos2')
    class ExactlyOnce {
      @Topic('+', { qos: 2 })
      async on(@Payload() body: string) {
        if (body === '0') await gate.promise;
        seen.record(body);
      }
    }
    const id = clientId('qos2');
    const subscriber = app({
      url: mosquitto.url,
      clientId: id,
      ack: 'after-handler',
      controllers: [ExactlyOnce],
    });
    await subscriber.start();
    const publisher = await pool.connect(mosquitto.url);
    // 15: below Mosquitto's in-flight window (20), which message 0 holds open until it is acked.
    await publishNumbered((t, n) => publisher.publishAsync(t, n, { qos: 2 }), 'qos2/n', {
      count: 15,
      window: 10,
    });
    await seen.waitFor(14, 5000);
    const pubcomps = () => count(mosquitto.logs(), `Received PUBCOMP from ${id}`);
    assert.equal(pubcomps(), 0, 'message 0 holds every PUBCOMP behind it (arrival order)');
    gate.resolve();
    await seen.waitFor(15, 5000);
    await waitFor(() => pubcomps() === 15, { timeout: 5000, message: `15 PUBCOMPs (got ${pubcomps()})` });
    assert.deepEqual(missing(seen.calls, 15), []);
  });

  it('backpressure: 20,000 messages, 5 ms handler, maxInFlight 8: never more than 8 at once, all handled', {
    timeout: 60_000,
  }, async () => {
    // max_inflight_messages 0: no window of Mosquitto's own; only our Receive Maximum (8 + maxQueued) holds it.
    const mosquitto = await broker({ maxQueuedMessages: 100_000, extraConfig: 'max_inflight_messages 0' });
    const total = 20_000;
    let running = 0;
    let peak = 0;
    const seen = new Recorder<string>();
    @MqttController('bp')
    class Slow {
      @Topic('+', { qos: 1 })
      async on(@Payload() n: string) {
        running++;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setTimeout(resolve, 5));
        running--;
        seen.record(n);
      }
    }
    const subscriber = app({ url: mosquitto.url, ack: 'after-handler', maxInFlight: 8, controllers: [Slow] });
    await subscriber.start();
    const baseline = process.memoryUsage().heapUsed;
    let peakHeap = baseline;
    const sampler = setInterval(() => {
      peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
      assert.ok(subscriber.service.inFlight <= 8);
    }, 20);
    try {
      const publisher = await pool.connect(mosquitto.url);
      await publishNumbered(rawPublisher(publisher), 'bp/n', { count: total, window: 1000 });
      await seen.waitFor(total, 50_000);
    } finally {
      clearInterval(sampler);
    }
    assert.deepEqual(missing(seen.calls, total), []);
    assert.ok(peak <= 8, `peak concurrency ${peak}`);
    assert.equal(peak, 8, 'the limit was reached');
    const mb = (bytes: number) => Math.round(bytes / 1024 / 102.4) / 10;
    console.log(
      `# backpressure: peak concurrency ${peak}, peak heap ${mb(peakHeap)} MB (baseline ${mb(baseline)} MB)`,
    );
    assert.ok(peakHeap - baseline < 128 * 1024 * 1024, 'heap stayed bounded');
  });

  it("ordering 'per-topic': each topic's messages run in arrival order, topics run concurrently", async () => {
    const mosquitto = await broker();
    const order = new Map<string, number[]>();
    const seen = new Recorder<string>();
    let running = 0;
    let peak = 0;
    @MqttController('ord')
    class Ordered {
      @Topic('+', { qos: 1 })
      async on(@TopicName() topic: string, @Payload() n: string) {
        running++;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setTimeout(resolve, Number(n) % 3));
        running--;
        order.set(topic, [...(order.get(topic) ?? []), Number(n)]);
        seen.record(n);
      }
    }
    const subscriber = app({
      url: mosquitto.url,
      ordering: 'per-topic',
      maxInFlight: 16,
      controllers: [Ordered],
    });
    await subscriber.start();
    const publisher = await pool.connect(mosquitto.url);
    const topics = ['ord/a', 'ord/b', 'ord/c'];
    await Promise.all(
      topics.map((topic) =>
        publishNumbered((t, n) => publisher.publishAsync(t, n, { qos: 1 }), topic, {
          count: 100,
          window: 20,
        }),
      ),
    );
    await seen.waitFor(300, 15_000);
    for (const topic of topics) {
      assert.deepEqual(
        order.get(topic),
        Array.from({ length: 100 }, (_, i) => i),
        `${topic} in order`,
      );
    }
    assert.ok(peak > 1, `topics ran concurrently (peak ${peak})`);
    assert.ok(peak <= topics.length, `one handler per topic at a time (peak ${peak})`);
  });

  it('does not resend SUBSCRIBE when the broker kept the session, and does when it did not', async () => {
    const mosquitto = await broker({ logAll: true });
    const id = clientId('session');
    const seen = new Recorder<string>();
    @MqttController('sess')
    class Session {
      @Topic('+', { qos: 1 })
      on(@Payload() body: string) {
        seen.record(body);
      }
    }
    const subscriber = app({ url: mosquitto.url, clientId: id, clean: false, controllers: [Session] });
    await subscriber.start();
    const subscribes = () => count(mosquitto.logs(), `Received SUBSCRIBE from ${id}`);
    // Mosquitto's log reaches us through a pipe, possibly after its SUBACK did.
    await waitFor(() => subscribes() === 1, { timeout: 5000, message: 'SUBSCRIBE logged by Mosquitto' });

    assert.equal(await dropConnection(subscriber), true);
    // The app's own publish travels behind any SUBSCRIBE it would have sent on this connection.
    await subscriber.service.publish('sess/own', 'marker', { qos: 1 });
    assert.ok(mosquitto.logs().includes(`Received PUBLISH from ${id}`));
    assert.equal(subscribes(), 1, 'no SUBSCRIBE with the session present');

    // No persistence: a restarted broker has no session, so the app subscribes again.
    const reconnected = new Promise<boolean>((resolve) =>
      subscriber.connection.once('connect', (info) => resolve(info.sessionPresent)),
    );
    await mosquitto.restart();
    assert.equal(await withTimeout(reconnected, 10_000, 'reconnect'), false);
    await waitFor(() => subscribes() === 2, { timeout: 5000, message: 'SUBSCRIBE resent' });
    const publisher = await pool.connect(mosquitto.url);
    await publisher.publishAsync('sess/x', 'after', { qos: 1 });
    await waitFor(() => seen.calls.includes('after'), {
      timeout: 5000,
      message: 'message after resubscribe',
    });
  });

  it('keeps publishes made offline (bounded by maxOfflineQueue) and sends them after reconnect', async () => {
    // queue_qos0_messages: the QoS 0 one also waits for the subscriber if it reconnects after the app.
    const mosquitto = await broker({ persistence: true, extraConfig: 'queue_qos0_messages true' });
    const subscriber = await pool.connect(mosquitto.url, {
      clientId: clientId('offline-sub'),
      clean: false,
      reconnectPeriod: 50,
    });
    await subscriber.subscribeAsync('offline/#', { qos: 1 });
    const publisher = app({ url: mosquitto.url, maxOfflineQueue: 3 });
    await publisher.start();
    const disconnected = new Promise<void>((resolve) =>
      publisher.connection.once('disconnect', () => resolve()),
    );
    await mosquitto.stop();
    await withTimeout(disconnected, 5000, 'disconnect');
    assert.equal(publisher.service.connected, false);

    const queued = [1, 2, 3].map((n) =>
      publisher.service.publish(`offline/${n}`, String(n), { qos: n === 3 ? 0 : 1 }),
    );
    const full = await publisher.service.publish('offline/4', '4', { qos: 1 }).then(
      () => assert.fail('the fourth offline publish should be refused'),
      (error: unknown) => error,
    );
    assert.ok(full instanceof MqttOfflineQueueFullError, String(full));
    assert.equal(full.topic, 'offline/4');
    assert.equal(full.limit, 3);
    assert.match(full.message, /offline\/4.*maxOfflineQueue/);

    const arriving = collectMessages(subscriber, 3, 10_000);
    await mosquitto.restart();
    const results = await withTimeout(
      Promise.all(queued),
      10_000,
      'offline publishes settle after reconnect',
    );
    assert.deepEqual(
      results.map((r) => r.topic),
      ['offline/1', 'offline/2', 'offline/3'],
    );
    const got = await arriving;
    assert.deepEqual(got.map((m) => m.payload.toString()).sort(), ['1', '2', '3']);
    assert.equal(publisher.connection.offlineQueueSize, 0);
  });

  it('with a persistent outgoingStore, publishes still unsent at stop go out on the next start', async () => {
    const mosquitto = await broker({ persistence: true });
    const subscriber = await pool.connect(mosquitto.url, {
      clientId: clientId('store-sub'),
      clean: false,
      reconnectPeriod: 50,
    });
    await subscriber.subscribeAsync('stored/#', { qos: 1 });
    // mqtt.js's Store with clean: false keeps its packets when closed: it stands in for a file or
    // database store shared by two runs of the app.
    const outgoingStore = new Store({ clean: false });
    const id = clientId('store-pub');
    const first = app({ url: mosquitto.url, clientId: id, clean: false, outgoingStore });
    await first.start();
    const down = new Promise<void>((resolve) => first.connection.once('disconnect', () => resolve()));
    await mosquitto.stop();
    await withTimeout(down, 5000, 'disconnect');
    const pending = [1, 2, 3].map((n) => first.service.publish(`stored/${n}`, String(n), { qos: 1 }));
    await first.stop();
    for (const result of await Promise.allSettled(pending)) {
      assert.equal(result.status, 'rejected');
      assert.match(
        String((result as PromiseRejectedResult).reason),
        /stopped before the broker acknowledged/,
      );
    }

    const arriving = collectMessages(subscriber, 3, 10_000);
    await mosquitto.restart();
    const second = app({ url: mosquitto.url, clientId: id, clean: false, outgoingStore });
    await second.start();
    const got = await arriving;
    assert.deepEqual(got.map((m) => m.payload.toString()).sort(), ['1', '2', '3']);
  });

  it('reports a refused reconnect (password changed) through onError at once and stops retrying', async () => {
    const passwd = findExecutable('mosquitto_passwd');
    assert.ok(passwd, 'mosquitto_passwd is installed with mosquitto');
    const mosquitto = await broker({ users: { app: 'first-secret' }, logAll: true });
    const errors = new Recorder<Error>();
    const subscriber = app({
      url: mosquitto.url,
      username: 'app',
      password: 'first-secret',
      onError: (error) => errors.record(error),
    });
    await subscriber.start();
    await promisify(execFile)(passwd, ['-b', join(mosquitto.dir, 'passwords'), 'app', 'second-secret']);
    await mosquitto.restart();
    const [error] = await errors.waitFor(1, 10_000);
    assert.ok(error instanceof MqttConnectionError, String(error));
    assert.ok(error.reasonCode === 0x86 || error.reasonCode === 0x87, `reason code ${error.reasonCode}`);
    assert.doesNotMatch(error.message, /secret/);
    assert.equal(subscriber.service.connected, false);
    // The broker's log reaches us through a pipe, possibly after its CONNACK: count the attempts
    // only once the refusal itself is in the log.
    await waitFor(() => /Sending CONNACK to \S+ \(\d, (?:5|134|135)\)/.test(mosquitto.logs()), {
      timeout: 5000,
      message: 'the refusal in the broker log',
    });
    const attempts = count(mosquitto.logs(), 'New connection from');
    // Nothing to await for "no retry": with a 50 ms backoff, a retry loop would show several
    // attempts in this window.
    await new Promise((resolve) => setTimeout(resolve, 600));
    assert.equal(count(mosquitto.logs(), 'New connection from'), attempts, 'no reconnect attempts');
    assert.equal(errors.count, 1);
  });

  it('last will: published when the app is SIGKILLed, not when it stops cleanly', {
    timeout: 30_000,
  }, async () => {
    const mosquitto = await broker();
    const observer = await pool.connect(mosquitto.url);
    await observer.subscribeAsync('wills/#', { qos: 1 });
    const env = {
      MQTT_URL: mosquitto.url,
      MQTT_WILL_TOPIC: 'wills/app',
      MQTT_WILL_PAYLOAD: 'gone',
      MQTT_WILL_QOS: '1',
      FIXTURE_TOPIC: 'unused/+',
    };
    const killed = child(env);
    await killed.ready.waitFor(1, 10_000);
    const will = collectMessages(observer, 1, 10_000);
    await killed.kill();
    const [message] = await will;
    assert.equal(message!.topic, 'wills/app');
    assert.equal(message!.payload.toString(), 'gone');

    const stopped = child(env);
    await stopped.ready.waitFor(1, 10_000);
    const next = collectMessages(observer, 1, 10_000);
    assert.equal(await stopped.stop(), 0, `clean exit (stderr: ${stopped.errors})`);
    // A will would reach the observer before this message, published after the app had gone.
    await observer.publishAsync('wills/app', 'marker', { qos: 1 });
    const [after] = await next;
    assert.equal(after!.payload.toString(), 'marker');
  });
});
