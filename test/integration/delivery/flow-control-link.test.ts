import 'reflect-metadata';
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { MqttController, MqttHandlerTimeoutError, Payload, Topic } from '../../../src/index.js';
import { faultKit } from '../../helpers/fault-kit.js';
import { countDisconnects, pingResponses } from '../../helpers/link-watch.js';
import { describeMosquitto } from '../../helpers/mosquitto-available.js';
import { missing, publishNumbered, rawPublisher } from '../../helpers/numbered.js';
import { Recorder } from '../../helpers/recorder.js';

let ids = 0;
const clientId = (name: string) => `flowctl-${name}-${process.pid}-${++ids}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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
});
