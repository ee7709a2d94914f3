import 'reflect-metadata';
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { type MqttAppOptions, MqttController, Payload, Topic } from '../../../src/index.js';
import { faultKit } from '../../helpers/fault-kit.js';
import { describeMosquitto } from '../../helpers/mosquitto-available.js';
import { missing, publishNumbered, rawPublisher } from '../../helpers/numbered.js';
import { Recorder } from '../../helpers/recorder.js';
import { waitFor } from '../../helpers/wait.js';

/** A controller recording every payload of `work/+` it handles, after `delayMs`. */
function workController(seen: Recorder<string>, delayMs = 0) {
  @MqttController('work')
  class Work {
    @Topic('+', { qos: 1 })
    async on(@Payload() n: string) {
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      seen.record(n);
    }
  }
  return Work;
}

let ids = 0;
const clientId = (name: string) => `delivery-${name}-${process.pid}-${++ids}`;

describeMosquitto('delivery under faults (Mosquitto)', () => {
  const { pool, broker, app, child } = faultKit();

  it('handles every one of 5,000 QoS 1 messages while the broker restarts three times', {
    timeout: 60_000,
  }, async () => {
    const mosquitto = await broker({ persistence: true, maxQueuedMessages: 100_000 });
    const seen = new Recorder<string>();
    const subscriber = app({
      url: mosquitto.url,
      clientId: clientId('restarts'),
      clean: false,
      ack: 'after-handler',
      controllers: [workController(seen)],
    });
    await subscriber.start();
    // The publisher is a koa-mqtt app too: publishes made while the broker is down wait in its
    // offline queue and are sent, and their Promises settle, after it reconnects.
    const publisher = app({ url: mosquitto.url, clientId: clientId('restarts-pub'), clean: false });
    await publisher.start();
    const total = 5000;
    let restarts = 0;
    let restarting: Promise<void> = Promise.resolve();
    const published = publishNumbered(
      (topic, n) => publisher.service.publish(topic, n, { qos: 1 }),
      'work/n',
      {
        count: total,
        window: 200,
        onAcked: (acked) => {
          if (acked >= ((restarts + 1) * total) / 4 && restarts < 3) {
            restarts++;
            restarting = restarting.then(() => mosquitto.restart());
          }
        },
      },
    );
    await published;
    await restarting;
    await waitFor(() => missing(seen.calls, total).length === 0, {
      timeout: 30_000,
      message: 'every number handled',
    }).catch((error: Error) => {
      const absent = missing(seen.calls, total);
      throw new Error(`${error.message}; ${absent.length} missing, first: ${absent.slice(0, 10).join(', ')}`);
    });
    assert.equal(restarts, 3);
    const duplicates = seen.count - new Set(seen.calls).size;
    console.log(
      `# broker restarts: ${restarts}, handled ${seen.count} for ${total} messages, duplicates ${duplicates}`,
    );
  });

  it('handles every message at least once when the app is SIGKILLed with handlers in flight', {
    timeout: 30_000,
  }, async () => {
    const mosquitto = await broker({ persistence: true, maxQueuedMessages: 10_000 });
    const env = {
      MQTT_URL: mosquitto.url,
      MQTT_CLIENT_ID: clientId('crash'),
      MQTT_CLEAN: 'false',
      MQTT_RECONNECT_PERIOD: '50',
      FIXTURE_TOPIC: 'work/+',
      FIXTURE_ACK: 'after-handler',
      FIXTURE_DELAY_MS: '20',
      FIXTURE_MAX_IN_FLIGHT: '16',
    };
    const first = child(env);
    await first.ready.waitFor(1, 10_000);
    const total = 600;
    const publisher = await pool.connect(mosquitto.url);
    const published = publishNumbered(rawPublisher(publisher), 'work/n', { count: total, window: 100 });
    await first.handled.waitFor(100, 15_000);
    await first.kill();
    const interrupted = first.started.calls.filter((n) => !first.handled.calls.includes(n));
    assert.ok(interrupted.length > 0, 'some handlers were running when the app was killed');
    await published;

    const second = child(env);
    const handled = () => [...first.handled.calls, ...second.handled.calls];
    await waitFor(() => missing(handled(), total).length === 0, {
      timeout: 20_000,
      message: 'every number handled after the restart',
    }).catch((error: Error) => {
      throw new Error(`${error.message}; missing ${missing(handled(), total).join(', ')}`);
    });
    assert.equal(second.ready.calls[0], true, 'the broker kept the session');
    for (const n of interrupted) assert.ok(second.handled.calls.includes(n), `message ${n} was redelivered`);
    console.log(
      `# crash: ${interrupted.length} handlers in flight at SIGKILL, duplicates ${handled().length - new Set(handled()).size}`,
    );
    await second.stop();
  });

  for (const protocolVersion of [5, 4] as const) {
    it(`handles all 1,000 messages published while the app was down (MQTT ${protocolVersion === 5 ? '5' : '3.1.1'})`, {
      timeout: 30_000,
    }, async () => {
      const mosquitto = await broker({ maxQueuedMessages: 2000 });
      const id = clientId('down');
      const seen = new Recorder<string>();
      const options: MqttAppOptions = {
        url: mosquitto.url,
        protocolVersion,
        clientId: id,
        clean: false,
        controllers: [workController(seen)],
      };
      const before = app(options);
      await before.start();
      await before.stop();

      const publisher = await pool.connect(mosquitto.url);
      await publishNumbered(rawPublisher(publisher), 'work/n', { count: 1000, window: 100 });

      const sessions = new Recorder<boolean>();
      const restarted = app({ ...options, onConnect: (info) => sessions.record(info.sessionPresent) });
      await restarted.start();
      await seen.waitFor(1000, 20_000);
      assert.deepEqual(missing(seen.calls, 1000), []);
      assert.deepEqual(sessions.calls, [true]);
    });
  }

  it('loses nothing across a rolling restart (stop, start again) with after-handler acks', {
    timeout: 30_000,
  }, async () => {
    const mosquitto = await broker({ maxQueuedMessages: 10_000 });
    const seen = new Recorder<string>();
    const options: MqttAppOptions = {
      url: mosquitto.url,
      clientId: clientId('rolling'),
      clean: false,
      ack: 'after-handler',
      maxInFlight: 16,
      controllers: [workController(seen, 5)],
    };
    const first = app(options);
    await first.start();
    const total = 2000;
    const publisher = await pool.connect(mosquitto.url);
    const published = publishNumbered(rawPublisher(publisher), 'work/n', { count: total, window: 100 });
    await seen.waitFor(300, 15_000);
    await first.stop();
    const handledByFirst = seen.count;
    const second = app(options);
    await second.start();
    await published;
    await waitFor(() => missing(seen.calls, total).length === 0, {
      timeout: 20_000,
      message: 'every number handled',
    }).catch((error: Error) => {
      throw new Error(`${error.message}; missing ${missing(seen.calls, total).length}`);
    });
    assert.ok(handledByFirst < total, 'the restart happened while messages were flowing');
    console.log(`# rolling restart: duplicates ${seen.count - new Set(seen.calls).size}`);
  });
});
