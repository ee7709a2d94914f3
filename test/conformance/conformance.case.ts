import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Ctx,
  MqttCapabilityError,
  MqttContext,
  MqttController,
  MqttError,
  MqttProtocolError,
  MqttPublishError,
  Payload,
  Topic,
  TopicParam,
} from '../../src/index.js';
import { Recorder } from '../helpers/recorder.js';
import { deferred, waitFor, withTimeout } from '../helpers/wait.js';
import { type ConformanceKit, conformanceKit } from './conformance-kit.js';
import { type BrokerProfile, type FeatureId, profileSkipReason } from './profiles.js';

/**
 * The broker conformance suite: one body, run once per broker by the `*.test.ts` files beside it
 * (hono's `runTest({ newRouter })` model). For every feature the broker's profile says whether
 * it works, and then it must work, or which documented error it fails with, and then it must
 * fail with that error while the app stays connected.
 */
export function runConformance(profile: BrokerProfile): void {
  describe(`broker conformance: ${profile.name}`, { skip: profileSkipReason(profile) }, () => {
    const kit = conformanceKit(profile);
    protocol(kit);
    namedParams(kit);
    qos(kit);
    retained(kit);
    overlapping(kit);
    dollarTopics(kit);
    runtimeSubscriptions(kit);
    shareGroups(kit);
    persistentSession(kit);
    afterHandlerAcks(kit);
    requestResponse(kit);
    oversizedPublish(kit);
    flow(kit);
  });
}

/**
 * One case of the suite: `it`, unless the profile lists the feature as a known gap of the
 * library (then it is left out of the run, and the skip says why).
 */
function feature(kit: ConformanceKit, id: FeatureId, name: string, fn: () => Promise<void>): void {
  const gap = kit.profile.knownGaps?.[id];
  it(name, gap ? { skip: `known gap: ${gap}` } : {}, fn);
}

/** An `MqttCapabilityError` for `limit` whose message matches `pattern`. */
function assertCapabilityError(limit: string, pattern: RegExp) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof MqttCapabilityError, `an MqttCapabilityError, got ${String(error)}`);
    assert.equal(error.limit, limit);
    assert.match(error.message, pattern);
    return true;
  };
}

function protocol(kit: ConformanceKit): void {
  const { profile } = kit;
  const how = {
    native: 'the broker takes MQTT 5',
    connack: 'falls back from MQTT 5 after CONNACK 0x01',
    close: 'falls back from MQTT 5 when the broker closes the socket without a CONNACK',
    configured: 'told protocolVersion 4',
  }[profile.fallback];
  feature(kit, 'protocol', `protocol: connects on MQTT ${profile.protocol} (${how})`, async () => {
    const app = await kit.start();
    assert.equal(app.service.protocolVersion, profile.protocol === '5' ? 5 : 4);
    await kit.assertStillConnected(app);
  });
}

function namedParams(kit: ConformanceKit): void {
  feature(kit, 'params', 'named params: a handler gets the levels its pattern names', async () => {
    const prefix = kit.topic('params');
    const seen = new Recorder<{ device: string; rest: string; body: unknown }>();
    @MqttController(prefix)
    class Params {
      @Topic('+device/status/#rest', { qos: 1 })
      status(
        @TopicParam('device') device: string,
        @TopicParam('rest') rest: string,
        @Payload() body: unknown,
      ) {
        seen.record({ device, rest, body });
      }
    }
    const app = await kit.start({ controllers: [Params] });
    await kit.publisher.publishAsync(`${prefix}/kitchen/status/a/b`, '{"on":true}', { qos: 1 });
    const [call] = await seen.waitFor(1);
    assert.deepEqual(call, { device: 'kitchen', rest: 'a/b', body: { on: true } });
    await kit.assertStillConnected(app);
  });
}

function qos(kit: ConformanceKit): void {
  const { profile } = kit;
  feature(
    kit,
    'qos',
    `QoS: handlers at QoS 0, 1 and 2 are granted ${profile.maxQos < 2 ? `at most ${profile.maxQos}` : 'what they asked'} and get their messages`,
    async () => {
      const prefix = kit.topic('qos');
      const seen = new Recorder<{ level: string; qos: number }>();
      @MqttController(prefix)
      class Levels {
        @Topic('q0/+n', { qos: 0 })
        q0(@Ctx() ctx: MqttContext) {
          seen.record({ level: 'q0', qos: ctx.qos });
        }
        @Topic('q1/+n', { qos: 1 })
        q1(@Ctx() ctx: MqttContext) {
          seen.record({ level: 'q1', qos: ctx.qos });
        }
        @Topic('q2/+n', { qos: 2 })
        q2(@Ctx() ctx: MqttContext) {
          seen.record({ level: 'q2', qos: ctx.qos });
        }
      }
      const app = await kit.start({ controllers: [Levels] });
      const granted = (level: string) =>
        app.service.topics.find((t) => t.filter === `${prefix}/${level}/+`)?.granted;
      assert.deepEqual(
        ['q0', 'q1', 'q2'].map(granted),
        [0, 1, Math.min(2, profile.maxQos)],
        'granted QoS, shown in topics',
      );
      for (const [level, q] of [
        ['q0', 0],
        ['q1', 1],
        ['q2', 2],
      ] as const) {
        await app.service.publish(`${prefix}/${level}/1`, level, {
          qos: Math.min(q, profile.maxQos) as 0 | 1 | 2,
        });
      }
      await seen.waitFor(3);
      await kit.barrier(app);
      assert.deepEqual(
        [...seen.calls].sort((a, b) => a.level.localeCompare(b.level)),
        [
          { level: 'q0', qos: 0 },
          { level: 'q1', qos: 1 },
          { level: 'q2', qos: Math.min(2, profile.maxQos) },
        ],
      );
      await kit.assertStillConnected(app);
    },
  );

  if (profile.maxQos < 2) {
    feature(
      kit,
      'qos',
      `QoS: a publish at QoS 2 rejects with MqttCapabilityError (Maximum QoS ${profile.maxQos}), nothing sent, still connected`,
      async () => {
        const topic = kit.topic('qos-too-high');
        const seen = new Recorder<number>();
        const app = await kit.start();
        await app.service.subscribe(topic, (ctx) => seen.record(ctx.qos), { qos: 1 });
        await assert.rejects(
          app.service.publish(topic, 'x', { qos: 2 }),
          assertCapabilityError('maximumQoS', new RegExp(`QoS 2.*Maximum QoS is ${profile.maxQos}`)),
        );
        await kit.assertStillConnected(app);
        assert.equal(seen.count, 0, 'nothing was sent');
      },
    );

    feature(
      kit,
      'qos',
      `QoS: with downgradeQos a QoS 2 publish goes out at QoS ${profile.maxQos}`,
      async () => {
        const topic = kit.topic('qos-downgraded');
        const seen = new Recorder<number>();
        const app = await kit.start({ downgradeQos: true });
        await app.service.subscribe(topic, (ctx) => seen.record(ctx.qos), { qos: 1 });
        await app.service.publish(topic, 'x', { qos: 2 });
        assert.deepEqual(await seen.waitFor(1), [profile.maxQos]);
        await kit.assertStillConnected(app);
      },
    );
  }
}

function retained(kit: ConformanceKit): void {
  const { profile } = kit;
  if (profile.retain === 'no') {
    feature(
      kit,
      'retained',
      'retained: a retained publish rejects with MqttCapabilityError (Retain Available false), still connected',
      async () => {
        const topic = kit.topic('retained');
        const app = await kit.start();
        await assert.rejects(
          app.service.publish(topic, 'kept', { qos: 1, retain: true }),
          assertCapabilityError('retainAvailable', /retain.*Retain Available is false/),
        );
        await kit.assertStillConnected(app);
      },
    );
    return;
  }
  const scope = profile.retain === 'yes' ? 'to exact and wildcard filters' : 'to exact filters only';
  feature(kit, 'retained', `retained: a retained message is replayed ${scope}`, async () => {
    const topic = kit.topic('retained/a');
    const wildcard = topic.replace(/\/a$/, '/+');
    const app = await kit.start();
    await app.service.publish(topic, 'kept', { qos: 1, retain: true });
    try {
      const exact = new Recorder<[string, boolean]>();
      await app.service.subscribe(topic, (ctx) => exact.record([ctx.text(), ctx.retain]), { qos: 1 });
      assert.deepEqual(await exact.waitFor(1), [['kept', true]]);

      const wide = new Recorder<[string, boolean]>();
      await app.service.subscribe(wildcard, (ctx) => wide.record([ctx.text(), ctx.retain]), { qos: 1 });
      // A live message after the SUBSCRIBE: a replay comes before it, on the same connection.
      await kit.publisher.publishAsync(topic.replace(/\/a$/, '/b'), 'live', { qos: 1 });
      await waitFor(() => wide.calls.some(([text]) => text === 'live'), {
        timeout: 10_000,
        message: 'the live message after the wildcard SUBSCRIBE',
      });
      const replayed = wide.calls.filter(([text]) => text === 'kept');
      assert.deepEqual(replayed, profile.retain === 'yes' ? [['kept', true]] : []);
      await kit.barrier(app);
      assert.deepEqual(exact.calls, [['kept', true]], 'the earlier handler got the replay once');
      assert.deepEqual(
        wide.calls.filter(([text]) => text === 'live'),
        [['live', false]],
        'the live message once',
      );
    } finally {
      await app.service.publish(topic, '', { qos: 1, retain: true }); // clears it
    }
    await kit.assertStillConnected(app);
  });
}

function overlapping(kit: ConformanceKit): void {
  const { profile } = kit;
  feature(
    kit,
    'overlap',
    `overlapping filters: each handler gets each message exactly once (broker sends ${profile.copiesPerOverlap})`,
    async () => {
      const prefix = kit.topic('overlap');
      const all = new Recorder<string>();
      const plus = new Recorder<string>();
      const exact = new Recorder<string>();
      @MqttController(prefix)
      class Overlap {
        @Topic('#', { qos: 1 })
        everything(@Payload() n: string) {
          all.record(n);
        }
        @Topic('+device/t', { qos: 1 })
        anyDevice(@Payload() n: string) {
          plus.record(n);
        }
        @Topic('a/t', { qos: 1 })
        deviceA(@Payload() n: string) {
          exact.record(n);
        }
      }
      const app = await kit.start({ controllers: [Overlap] });
      for (let n = 1; n <= 3; n++) await kit.publisher.publishAsync(`${prefix}/a/t`, String(n), { qos: 1 });
      await kit.publisher.publishAsync(`${prefix}/b/t`, '4', { qos: 1 });
      await kit.publisher.publishAsync(`${prefix}/c/x`, '5', { qos: 1 });
      await all.waitFor(5);
      await kit.barrier(app);
      assert.deepEqual([...all.calls].sort(), ['1', '2', '3', '4', '5']);
      assert.deepEqual([...plus.calls].sort(), ['1', '2', '3', '4']);
      assert.deepEqual([...exact.calls].sort(), ['1', '2', '3']);
      await kit.assertStillConnected(app);
    },
  );
}

function dollarTopics(kit: ConformanceKit): void {
  const { profile } = kit;
  const what =
    profile.dollarTopics === 'delivered'
      ? 'reach a $ filter and never a leading wildcard'
      : 'are refused by the broker with MqttPublishError 0x90, still connected';
  feature(kit, 'dollar', `$ topics: messages on $… topics ${what}`, async () => {
    const base = kit.topic('dollar'); // {id}/{n}/dollar
    const rest = base.split('/').slice(1).join('/');
    const dollarTopic = `$${base}/1`;
    const plainTopic = `${base}/2`;
    const wild = new Recorder<string>();
    const exact = new Recorder<string>();
    const app = await kit.start();
    // A leading wildcard never matches a $ topic (MQTT 4.7.2), whatever the broker forwards.
    await app.service.subscribe(`+/${rest}/+n`, (ctx) => wild.record(ctx.topic), { qos: 1 });
    await app.service.subscribe(`$${base}/+n`, (ctx) => exact.record(ctx.topic), { qos: 1 });
    if (profile.dollarTopics === 'delivered') {
      await app.service.publish(dollarTopic, 'x', { qos: 1 });
      await exact.waitFor(1);
    } else {
      await assert.rejects(app.service.publish(dollarTopic, 'x', { qos: 1 }), (error: unknown) => {
        assert.ok(error instanceof MqttPublishError, String(error));
        assert.equal(error.reasonCode, 0x90);
        return true;
      });
    }
    await app.service.publish(plainTopic, 'y', { qos: 1 });
    await wild.waitFor(1);
    await kit.barrier(app);
    assert.deepEqual(wild.calls, [plainTopic]);
    assert.deepEqual(exact.calls, profile.dollarTopics === 'delivered' ? [dollarTopic] : []);
    await kit.assertStillConnected(app);
  });
}

function runtimeSubscriptions(kit: ConformanceKit): void {
  feature(
    kit,
    'runtime',
    'runtime subscribe/unsubscribe: a handler added at runtime gets messages until it is removed',
    async () => {
      const prefix = kit.topic('runtime');
      const seen = new Recorder<string>();
      const app = await kit.start();
      const result = await app.service.subscribe(`${prefix}/+id`, (ctx) => seen.record(ctx.params.id!), {
        qos: 1,
      });
      assert.equal(result.filter, `${prefix}/+`);
      await kit.publisher.publishAsync(`${prefix}/one`, '', { qos: 1 });
      assert.deepEqual(await seen.waitFor(1), ['one']);
      assert.equal(await app.service.unsubscribe(`${prefix}/+id`), true);
      assert.equal(
        app.service.topics.some((t) => t.filter === `${prefix}/+`),
        false,
        'gone from topics',
      );
      await kit.publisher.publishAsync(`${prefix}/two`, '', { qos: 1 });
      await kit.barrier(app);
      assert.deepEqual(seen.calls, ['one']);
      await kit.assertStillConnected(app);
    },
  );
}

function shareGroups(kit: ConformanceKit): void {
  const { profile } = kit;
  if (profile.shared) {
    feature(
      kit,
      'share',
      'share groups: two apps in one group handle each message exactly once between them',
      async () => {
        const prefix = kit.topic('share');
        const seen = new Recorder<[string, string]>();
        const worker = (name: string) => {
          @MqttController(prefix, { share: 'conformance' })
          class Worker {
            @Topic('+n', { qos: 1 })
            on(@TopicParam('n') n: string) {
              seen.record([name, n]);
            }
          }
          return Worker;
        };
        const a = await kit.start({ controllers: [worker('a')] });
        const b = await kit.start({ controllers: [worker('b')] });
        for (let n = 1; n <= 20; n++) await kit.publisher.publishAsync(`${prefix}/${n}`, '', { qos: 1 });
        await seen.waitFor(20);
        await kit.barrier(a);
        await kit.barrier(b);
        const numbers = seen.calls.map(([, n]) => Number(n)).sort((x, y) => x - y);
        assert.deepEqual(
          numbers,
          Array.from({ length: 20 }, (_, i) => i + 1),
          'each once',
        );
        assert.ok(seen.calls.some(([name]) => name === 'a') && seen.calls.some(([name]) => name === 'b'));
        await kit.assertStillConnected(a);
      },
    );
    return;
  }
  feature(
    kit,
    'share',
    'share groups: unsupported, start() and subscribe() reject with MqttCapabilityError naming the filter, still connected',
    async () => {
      const prefix = kit.topic('share');
      @MqttController(prefix, { share: 'conformance' })
      class Worker {
        @Topic('+n', { qos: 1 })
        on() {}
      }
      const refused = kit.create({ controllers: [Worker] });
      await assert.rejects(
        refused.start(),
        assertCapabilityError(
          'sharedSubscriptionAvailable',
          new RegExp(`\\$share/conformance/${prefix}/\\+`),
        ),
      );
      await refused.stop();
      const app = await kit.start();
      await assert.rejects(
        app.service.subscribe(`${prefix}/+n`, () => {}, { qos: 1, share: 'conformance' }),
        assertCapabilityError('sharedSubscriptionAvailable', /shared subscriptions/),
      );
      await kit.assertStillConnected(app);
    },
  );
}

function persistentSession(kit: ConformanceKit): void {
  const { profile } = kit;
  const cap = profile.sessionExpiryCap;
  feature(
    kit,
    'session',
    `persistent session: a message published while the app was stopped arrives when it comes back${cap ? ` (session expiry granted ${cap} s of 600 asked)` : ''}`,
    async () => {
      const prefix = kit.topic('session');
      const clientId = `conformance-${profile.id}-${process.pid}`;
      const seen = new Recorder<string>();
      @MqttController(prefix)
      class Durable {
        @Topic('+n', { qos: 1 })
        on(@TopicParam('n') n: string) {
          seen.record(n);
        }
      }
      const session = { clientId, clean: false, sessionExpiryInterval: 600, controllers: [Durable] };
      const first = await kit.start(session);
      if (cap !== undefined) {
        assert.equal(
          first.service.capabilities.sessionExpiryInterval,
          cap,
          'the granted session expiry is visible on the service',
        );
      }
      await first.stop();
      await kit.publisher.publishAsync(`${prefix}/queued`, '', { qos: 1 });
      const second = await kit.start(session);
      assert.deepEqual(await seen.waitFor(1), ['queued']);
      await kit.assertStillConnected(second);
    },
  );
}

function afterHandlerAcks(kit: ConformanceKit): void {
  const { profile } = kit;
  feature(
    kit,
    'acks',
    'after-handler acks: a message whose handler had not finished when the connection dropped is sent again and joins the run in progress',
    async () => {
      const prefix = kit.topic('acks');
      const seen = new Recorder<string>();
      const gate = deferred();
      @MqttController(prefix)
      class Slow {
        @Topic('+n', { qos: 1, ack: 'after-handler' })
        async on(@Payload() body: string) {
          seen.record(body);
          if (body === 'slow') await gate.promise;
        }
      }
      const app = await kit.start({
        clientId: `conformance-acks-${profile.id}-${process.pid}`,
        clean: false,
        controllers: [Slow],
      });
      await kit.publisher.publishAsync(`${prefix}/1`, 'slow', { qos: 1 });
      await seen.waitFor(1);
      const reconnected = withTimeout(
        new Promise<void>((resolve) => app.service.events.once('connect', () => resolve())),
        15_000,
        'reconnect after a dropped connection',
      );
      app.service.client!.stream.destroy();
      await reconnected;
      // The broker sends the unacknowledged message again; the copy joins the run in progress.
      await waitFor(() => app.dispatcher.stats.redeliveries >= 1, {
        timeout: 15_000,
        message: `the unacknowledged message sent again (redeliveries ${app.dispatcher.stats.redeliveries}, handled ${JSON.stringify(seen.calls)})`,
      });
      gate.resolve();
      await kit.publisher.publishAsync(`${prefix}/2`, 'after', { qos: 1 });
      await waitFor(() => seen.calls.includes('after'), { timeout: 10_000, message: 'a later message' });
      assert.deepEqual(
        seen.calls.filter((body) => body === 'slow'),
        ['slow'],
        'the handler ran once: the copy joined its run',
      );
      assert.equal(app.service.connected, true, 'connected again (the test dropped the connection)');
    },
  );
}

function requestResponse(kit: ConformanceKit): void {
  const { profile } = kit;
  if (profile.protocol !== '5') {
    feature(
      kit,
      'request',
      'request/response: request() rejects with MqttProtocolError naming MQTT 5, still connected',
      async () => {
        const app = await kit.start();
        await assert.rejects(app.service.request(kit.topic('rpc/add'), { a: 1, b: 2 }), (error: unknown) => {
          assert.ok(error instanceof MqttProtocolError, String(error));
          assert.match(error.message, /MQTT 5/);
          return true;
        });
        await kit.assertStillConnected(app);
      },
    );
    return;
  }
  feature(
    kit,
    'request',
    'request/response: a handler’s return value is the reply to request()',
    async () => {
      const prefix = kit.topic('rpc');
      @MqttController(prefix)
      class Calculator {
        @Topic('add', { qos: 1 })
        add(@Payload() body: { a: number; b: number }) {
          return { sum: body.a + body.b };
        }
      }
      const responder = await kit.start({ controllers: [Calculator] });
      const requester = await kit.start();
      const reply = await requester.service.request(`${prefix}/add`, { a: 2, b: 3 }, { timeout: 10_000 });
      assert.deepEqual(reply.json(), { sum: 5 });
      await kit.assertStillConnected(responder);
      await kit.assertStillConnected(requester);
    },
  );
}

function oversizedPublish(kit: ConformanceKit): void {
  const { profile } = kit;
  const limit = profile.maxPacketSize;
  const payload = Buffer.alloc(5000, 0x61);
  if (limit === undefined) {
    feature(
      kit,
      'oversize',
      'oversized publish: a 5,000-byte payload arrives intact (no packet limit)',
      async () => {
        const topic = kit.topic('big');
        const seen = new Recorder<Buffer>();
        const app = await kit.start();
        await app.service.subscribe(topic, (ctx) => seen.record(ctx.payload), { qos: 1 });
        await app.service.publish(topic, payload, { qos: 1 });
        const [received] = await seen.waitFor(1);
        assert.equal(Buffer.compare(received!, payload), 0);
        await kit.assertStillConnected(app);
      },
    );
    return;
  }
  feature(
    kit,
    'oversize',
    `oversized publish: 5,000 bytes reject with MqttCapabilityError (Maximum Packet Size ${limit}), nothing sent, still connected`,
    async () => {
      const topic = kit.topic('big');
      const seen = new Recorder<Buffer>();
      const app = await kit.start();
      await app.service.subscribe(topic, (ctx) => seen.record(ctx.payload), { qos: 1 });
      await assert.rejects(
        app.service.publish(topic, payload, { qos: 1 }),
        assertCapabilityError('maximumPacketSize', new RegExp(`Maximum Packet Size of ${limit} bytes`)),
      );
      await kit.assertStillConnected(app);
      assert.equal(seen.count, 0, 'nothing was sent');
    },
  );

  if (profile.protocol === '5') {
    feature(
      kit,
      'oversize',
      `oversized publish: a reply over ${limit} bytes goes to onError as MqttCapabilityError, the responder stays connected`,
      async () => {
        const prefix = kit.topic('big-reply');
        const errors = new Recorder<Error>();
        @MqttController(prefix)
        class Big {
          @Topic('get', { qos: 1 })
          get() {
            return payload;
          }
        }
        const responder = await kit.start({ controllers: [Big], onError: (error) => errors.record(error) });
        const requester = await kit.start();
        const reply = requester.service.request(`${prefix}/get`, '', { timeout: 3000 });
        const [error] = await errors.waitFor(1, 10_000);
        assert.ok(error instanceof MqttError, String(error));
        assert.equal(error.code, 'ERR_MQTT_REPLY');
        assert.match(
          error.message,
          new RegExp(`Cannot reply .* for Big\\.get: .*Maximum Packet Size of ${limit} bytes`),
        );
        assertCapabilityError('maximumPacketSize', /Maximum Packet Size/)(error.cause);
        await assert.rejects(reply, /timed out/);
        await kit.assertStillConnected(responder);
      },
    );
  }
}

function flow(kit: ConformanceKit): void {
  const { profile } = kit;
  const qos = Math.min(2, profile.maxQos) as 0 | 1 | 2;
  const slots = profile.receiveMaximum;
  feature(
    kit,
    'flow',
    `flow: 50 concurrent QoS ${qos} publishes are all acknowledged and delivered${slots ? ` (Receive Maximum ${slots}: they wait for a slot)` : ''}`,
    async () => {
      const topic = kit.topic('flow');
      const seen = new Recorder<string>();
      const app = await kit.start();
      await app.service.subscribe(`${topic}/+n`, (ctx) => seen.record(ctx.params.n!), { qos });
      const sent = Array.from({ length: 50 }, (_, n) => app.service.publish(`${topic}/${n}`, '', { qos }));
      await Promise.all(sent);
      await seen.waitFor(50, 20_000);
      assert.equal(new Set(seen.calls).size, 50, 'each of the 50 arrived');
      await kit.assertStillConnected(app);
    },
  );
}
