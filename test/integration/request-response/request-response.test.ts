import 'reflect-metadata';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { IsInt } from 'class-validator';
import { connectAsync } from 'mqtt';
import {
  createMqttApp,
  type MqttApp,
  type MqttAppOptions,
  MqttController,
  MqttError,
  MqttProtocolError,
  MqttRemoteError,
  MqttTimeoutError,
  Payload,
  REPLY_TOPIC_ROOT,
  silentLogger,
  Topic,
} from '../../../src/index.js';
import { brokerSuite } from '../../helpers/broker-suite.js';
import { Recorder } from '../../helpers/recorder.js';
import { targets } from '../../helpers/targets.js';
import { collectMessages } from '../../helpers/wait.js';

class Sum {
  @IsInt() a!: number;
  @IsInt() b!: number;
}

const BINARY = Buffer.from([0xff, 0xfe, 0x00, 0xc3, 0x28]);

/** Answers requests; `slow` tells when its late reply went out. */
@MqttController('rpc')
class Calculator {
  static readonly slowStarted = new Recorder<number>();
  static readonly slowReplied = new Recorder<string>();

  /** Replies out of order: the delay depends on the operands. */
  @Topic('add', { qos: 1 })
  async add(@Payload() sum: Sum) {
    await sleep((sum.a * 7) % 13);
    return { sum: sum.a + sum.b };
  }

  @Topic('echo', { qos: 1 })
  echo(@Payload() bytes: Buffer) {
    return bytes;
  }

  @Topic('fail', { qos: 1 })
  fail(): never {
    throw new Error('division by zero\n    at Calculator.fail (/secret/path.js:1:1)');
  }

  @Topic('cycle', { qos: 1 })
  cycle() {
    const value: Record<string, unknown> = {};
    value.self = value;
    return value;
  }

  @Topic('nothing', { qos: 1 })
  nothing(): void {}

  @Topic('slow', { qos: 1 })
  async slow(@Payload() ms: number) {
    Calculator.slowStarted.record(ms);
    await sleep(ms);
    setImmediate(() => Calculator.slowReplied.record('sent'));
    return 'late';
  }
}

for (const target of targets) {
  describe(`request/response on ${target.name}`, { skip: target.skip }, () => {
    const suite = brokerSuite(target, { stopApps: 'suite' });
    const start = (options: MqttAppOptions = {}) => suite.start(options);

    if (target.protocolVersion !== 5) {
      it('rejects request() with an error naming MQTT 5', async () => {
        const requester = await start();
        await assert.rejects(requester.service.request('rpc/add', { a: 1, b: 2 }), (error: unknown) => {
          assert.ok(error instanceof MqttProtocolError);
          assert.match(error.message, /needs MQTT 5 .* MQTT 3\.1\.1/);
          return true;
        });
      });
      return;
    }

    let requester: MqttApp;
    const responderErrors = new Recorder<Error>();
    before(async () => {
      await start({ controllers: [Calculator], onError: responderErrors.record });
      requester = await start();
    });

    it('gives each of 200 concurrent requests its own reply, across two requesting clients', async () => {
      const other = await start();
      const ask = (app: MqttApp, i: number) =>
        app.service.request('rpc/add', { a: i, b: 1000 }, { qos: 1, timeout: 10_000 }).then((reply) => {
          assert.equal(reply.contentType, 'application/json');
          return reply.json<{ sum: number }>().sum;
        });
      const indexes = Array.from({ length: 200 }, (_, i) => i);
      const [mine, theirs] = await Promise.all([
        Promise.all(indexes.map((i) => ask(requester, i))),
        Promise.all(indexes.slice(0, 50).map((i) => ask(other, i + 5000))),
      ]);
      assert.deepEqual(
        mine,
        indexes.map((i) => i + 1000),
      );
      assert.deepEqual(
        theirs,
        indexes.slice(0, 50).map((i) => i + 6000),
      );
      const own = requester.service.topics.map((t) => t.filter).filter((f) => f.startsWith(REPLY_TOPIC_ROOT));
      assert.deepEqual(own, [`${REPLY_TOPIC_ROOT}/${requester.service.clientId}`]);
    });

    it('round-trips binary payloads and properties', async () => {
      const reply = await requester.service.request('rpc/echo', BINARY, {
        qos: 1,
        properties: { userProperties: { trace: '1' } },
      });
      assert.deepEqual(reply.payload, BINARY);
      assert.equal(reply.isError, false);
      assert.equal(reply.topic, `${REPLY_TOPIC_ROOT}/${requester.service.clientId}`);
      assert.equal(reply.properties?.correlationData?.length, 16);
    });

    it('answers a plain mqtt.js client with its own correlation data', async () => {
      const client = await connectAsync(suite.url, { protocolVersion: 5, reconnectPeriod: 0 });
      try {
        await client.subscribeAsync('plain/replies', { qos: 1 });
        const reply = collectMessages(client, 1, 5000);
        const correlationData = Buffer.from('req-1');
        await client.publishAsync('rpc/add', '{"a":2,"b":3}', {
          qos: 1,
          properties: { responseTopic: 'plain/replies', correlationData },
        });
        const [message] = await reply;
        assert.deepEqual(JSON.parse(message!.payload.toString()), { sum: 5 });
        assert.deepEqual(message!.packet.properties?.correlationData, correlationData);
        assert.equal(message!.packet.properties?.contentType, 'application/json');
        assert.equal(message!.packet.qos, 1);
      } finally {
        await client.endAsync();
      }
    });

    it('waits for start() when asked before it, within its timeout', async () => {
      const app = suite.create();
      const early = app.service.request('rpc/add', { a: 4, b: 4 }, { qos: 1, timeout: 5000 });
      await app.start();
      assert.deepEqual((await early).json(), { sum: 8 });
      const never = createMqttApp({ url: suite.url, protocolVersion: 5, logger: silentLogger });
      await assert.rejects(
        never.service.request('rpc/add', { a: 1, b: 1 }, { timeout: 50 }),
        MqttTimeoutError,
      );
    });

    it('rejects with MqttRemoteError carrying a short message, never a stack', async () => {
      await assert.rejects(
        requester.service.request('rpc/fail', null, { timeout: 5000 }),
        (error: unknown) => {
          assert.ok(error instanceof MqttRemoteError);
          assert.equal(error.message, 'The responder failed: division by zero');
          assert.equal(error.remoteCode, 'ERR_MQTT_HANDLER');
          assert.equal(error.reply.isError, true);
          assert.equal(error.reply.payload.length, 0);
          return true;
        },
      );
      await assert.rejects(requester.service.request('rpc/cycle', null), (error: unknown) => {
        assert.ok(error instanceof MqttRemoteError);
        assert.equal(error.remoteCode, 'ERR_MQTT_ENCODE');
        assert.match(
          error.message,
          /^The responder failed: Cannot encode the payload as JSON: Converting circular/,
        );
        return true;
      });
      await assert.rejects(requester.service.request('rpc/add', { a: 'x', b: 1 }), (error: unknown) => {
        assert.ok(error instanceof MqttRemoteError);
        assert.equal(error.remoteCode, 'ERR_MQTT_PAYLOAD');
        assert.match(error.message, /a: a must be an integer number/);
        return true;
      });
    });

    it('times out with MqttTimeoutError and drops a late reply', async () => {
      const started = Date.now();
      await assert.rejects(
        requester.service.request('rpc/nothing', null, { timeout: 150 }),
        MqttTimeoutError,
      );
      assert.ok(Date.now() - started >= 140);
      const late = requester.service.request('rpc/slow', 300, { qos: 1, timeout: 100 });
      await assert.rejects(late, (error: unknown) => {
        assert.ok(error instanceof MqttTimeoutError);
        assert.equal(error.timeoutMs, 100);
        assert.match(error.message, /No reply to the request on "rpc\/slow"/);
        return true;
      });
      await Calculator.slowReplied.waitFor(1, 5000);
      // The late reply reached nobody: the next request gets its own answer.
      const next = await requester.service.request('rpc/add', { a: 1, b: 2 }, { qos: 1 });
      assert.deepEqual(next.json(), { sum: 3 });
    });

    it('rejects requests still waiting when the app stops', async () => {
      const app = await start();
      const pending = app.service.request('rpc/slow', 500, { qos: 1, timeout: 10_000 });
      await Calculator.slowStarted.waitFor(2);
      const rejected = assert.rejects(
        pending,
        (error: unknown) => error instanceof MqttError && /stopped/.test(error.message),
      );
      await app.stop();
      await rejected;
    });

    it('the responder saw only the expected handler errors', () => {
      const messages = responderErrors.calls.map((e) => e.message.split(/[:\n]/)[0]);
      assert.deepEqual(messages, [
        'division by zero',
        'Cannot encode the reply of Calculator.cycle',
        'Invalid payload on "rpc/add" for Calculator.add',
      ]);
    });
  });
}
