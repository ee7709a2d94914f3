import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import Koa from 'koa';
import {
  createMqttApp,
  InvalidTopicError,
  type MqttApp,
  MqttConfigError,
  MqttController,
  MqttOptionError,
  MqttProtocolError,
  type PublishOptions,
  type RuntimeSubscribeOptions,
  silentLogger,
  Topic,
  type TopicOptions,
  useMqtt,
} from '../../../src/index.js';
import { brokerSuite } from '../../helpers/broker-suite.js';
import { mosquittoTargets } from '../../helpers/targets.js';
import { collectMessages, deferred } from '../../helpers/wait.js';

/**
 * Issue 11's list of options that used to reach mqtt.js (and poison the connection, or be
 * ignored): each is now an `MqttOptionError` (or `MqttConfigError`, `MqttProtocolError`) naming
 * the option, the value and the rule, and afterwards the app is still connected, was never
 * disconnected, and a QoS 1 message still makes the round trip through the broker.
 */

/** Asserts `error` is an `MqttOptionError` for `option` = `value`, and its message says so. */
function optionError(option: string, value: unknown, rule: RegExp) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof MqttOptionError, `expected MqttOptionError, got ${String(error)}`);
    assert.equal(error.option, option);
    assert.deepEqual(error.value, value);
    assert.match(error.rule, rule);
    assert.ok(error.message.includes(`${option} must be ${error.rule}, got `), error.message);
    return true;
  };
}

for (const target of mosquittoTargets) {
  const mqtt5 = target.protocolVersion === 5;
  describe(`bad options on ${target.name}: a clear error, the connection still up`, {
    skip: target.skip,
  }, () => {
    const suite = brokerSuite(target, { stopApps: 'suite' });
    let app: MqttApp;
    let disconnects = 0;
    let echo = deferred<string>();
    let round = 0;

    before(async () => {
      app = await suite.start();
      app.events.on('disconnect', () => disconnects++);
      await app.service.subscribe('alive/+n', (ctx) => echo.resolve(ctx.payload.toString()), { qos: 1 });
      await suite.publisher.subscribeAsync('bad/#', { qos: 1 });
    });

    /**
     * Still connected, never disconnected, nothing of the bad call reached the broker (the raw
     * subscriber's next message on bad/# is this good one), and a QoS 1 round trip works.
     */
    async function assertStillUp(): Promise<void> {
      round++;
      const seen = collectMessages(suite.publisher, 1, 5000);
      echo = deferred<string>();
      await app.service.publish(`bad/ok`, `good ${round}`, { qos: 1 });
      const [first] = await seen;
      assert.equal(first!.payload.toString(), `good ${round}`, 'a bad publish reached the broker');
      await app.service.publish(`alive/${round}`, `ping ${round}`, { qos: 1 });
      assert.equal(await echo.promise, `ping ${round}`);
      assert.equal(app.service.connected, true);
      assert.equal(disconnects, 0, 'the app was disconnected');
    }

    it('subscribe with retainHandling 3 rejects naming retainHandling', async () => {
      const options = { retainHandling: 3 } as unknown as RuntimeSubscribeOptions;
      await assert.rejects(
        app.service.subscribe('bad/rh', () => {}, options),
        optionError('retainHandling', 3, /^0, 1 or 2$/),
      );
      assert.equal(
        app.service.topics.some((t) => t.filter === 'bad/rh'),
        false,
      );
      await assertStillUp();
    });

    it('subscribe with ack "bogus" rejects naming the ack modes', async () => {
      const options = { ack: 'bogus' } as unknown as RuntimeSubscribeOptions;
      await assert.rejects(
        app.service.subscribe('bad/ack', () => {}, options),
        optionError('ack', 'bogus', /"auto" or "after-handler"/),
      );
      await assertStillUp();
    });

    it('subscribe and onTopic with a handler that is not a function, unsubscribe of a non-string', async () => {
      await assert.rejects(
        app.service.subscribe('bad/h', 'handler' as never),
        optionError('handler', 'handler', /^a function$/),
      );
      assert.throws(
        () => app.service.onTopic('bad/h', 42 as never),
        optionError('handler', 42, /^a function$/),
      );
      await assert.rejects(app.service.unsubscribe(42 as never), InvalidTopicError);
      await assertStillUp();
    });

    it('subscribe with noLocal on a shared subscription rejects at runtime too', async () => {
      await assert.rejects(
        app.service.subscribe('bad/nl', () => {}, { share: 'g', noLocal: true }),
        optionError('noLocal', true, /shared subscription \("\$share\/g\/bad\/nl"\).*MQTT-3\.8\.3-4/),
      );
      await assert.rejects(
        app.service.subscribe('$share/g/bad/nl', () => {}, { noLocal: true }),
        optionError('noLocal', true, /shared subscription/),
      );
      await assertStillUp();
    });

    it(
      mqtt5
        ? 'subscribe with noLocal on MQTT 5 is granted'
        : 'subscribe with noLocal (and the other MQTT 5 options) on MQTT 3.1.1 rejects with MqttProtocolError',
      async () => {
        for (const options of [
          { noLocal: true },
          { retainHandling: 2 },
          { retainAsPublished: true },
        ] as const) {
          const filter = `bad/v5/${Object.keys(options)[0]}`;
          if (mqtt5) {
            assert.deepEqual(await app.service.subscribe(filter, () => {}, options), { filter, qos: 0 });
            assert.equal(await app.service.unsubscribe(filter), true);
          } else {
            await assert.rejects(
              app.service.subscribe(filter, () => {}, options),
              (error: unknown) => {
                assert.ok(error instanceof MqttProtocolError, String(error));
                assert.match(
                  error.message,
                  new RegExp(`"${filter}": ${Object.keys(options)[0]}.* needs? MQTT 5`),
                );
                return true;
              },
            );
            assert.equal(
              app.service.topics.some((t) => t.filter === filter),
              false,
            );
          }
        }
        await assertStillUp();
      },
    );

    it('publish with messageExpiryInterval -1 rejects, nothing is sent', async () => {
      const options: PublishOptions = { qos: 1, properties: { messageExpiryInterval: -1 } };
      await assert.rejects(
        app.service.publish('bad/mei', 'x', options),
        optionError('properties.messageExpiryInterval', -1, /0 to 4,294,967,295/),
      );
      await assert.rejects(
        app.service.publish('bad/mei', 'x', { properties: { messageExpiryInterval: 2 ** 32 } }),
        optionError('properties.messageExpiryInterval', 2 ** 32, /0 to 4,294,967,295/),
      );
      await assertStillUp();
    });

    it('publish with topicAlias 0 at QoS 1 rejects, nothing is sent', async () => {
      await assert.rejects(
        app.service.publish('bad/alias', 'x', { qos: 1, properties: { topicAlias: 0 } }),
        optionError('properties.topicAlias', 0, /1 to 65,535/),
      );
      await assert.rejects(
        app.service.publish('bad/alias', 'x', { qos: 1, properties: { topicAlias: 65_536 } }),
        optionError('properties.topicAlias', 65_536, /1 to 65,535/),
      );
      await assertStillUp();
    });

    if (mqtt5) {
      it("publish with a topicAlias above the broker's Topic Alias Maximum rejects naming it", async () => {
        const maximum = app.topicAliasMaximum;
        assert.equal(typeof maximum, 'number', 'the CONNACK was read');
        await assert.rejects(
          app.service.publish('bad/alias', 'x', { qos: 1, properties: { topicAlias: maximum! + 1 } }),
          optionError('properties.topicAlias', maximum! + 1, new RegExp(`Topic Alias Maximum, ${maximum}$`)),
        );
        await assertStillUp();
      });
    }

    it('publish with other out-of-range MQTT 5 properties rejects naming each', async () => {
      const cases: Array<[string, Record<string, unknown>, unknown, RegExp]> = [
        ['subscriptionIdentifier', { subscriptionIdentifier: 5 }, 5, /must not send one in a PUBLISH/],
        ['correlationData', { correlationData: 'abc' }, 'abc', /^a Buffer$/],
        ['payloadFormatIndicator', { payloadFormatIndicator: 1 }, 1, /^a boolean$/],
        ['contentType', { contentType: 7 }, 7, /^a string without control characters/],
        ['userProperties["n"]', { userProperties: { n: 3 } }, 3, /a string or an array of strings/],
      ];
      for (const [option, properties, value, rule] of cases) {
        await assert.rejects(
          app.service.publish('bad/props', 'x', { qos: 1, properties } as PublishOptions),
          optionError(`properties.${option}`, value, rule),
        );
      }
      await assert.rejects(
        app.service.publish('bad/qos', 'x', { qos: 3 } as unknown as PublishOptions),
        optionError('qos', 3, /^0, 1 or 2$/),
      );
      await assertStillUp();
    });

    it('request with a negative timeout rejects naming timeout', async () => {
      await assert.rejects(
        app.service.request('bad/req', 'x', { timeout: -1 }),
        optionError('timeout', -1, /above 0/),
      );
      await assertStillUp();
    });

    it('@Topic with retainHandling 5, ack "bogus" or a pattern 42 throws when the class is defined', async () => {
      const define = (pattern: unknown, options: TopicOptions) => () => {
        @MqttController('bad')
        class Broken {
          @Topic(pattern as string, options)
          handle(): void {}
        }
        return Broken;
      };
      assert.throws(
        define('x', { retainHandling: 5 } as unknown as TopicOptions),
        optionError('retainHandling', 5, /^0, 1 or 2$/),
      );
      assert.throws(define('x', { ack: 'bogus' } as unknown as TopicOptions), (error: unknown) => {
        optionError('ack', 'bogus', /after-handler/)(error);
        assert.match((error as Error).message, /^@Topic\("x"\) on Broken\.handle: ack must be/);
        return true;
      });
      assert.throws(define(42, {}), (error: unknown) => {
        assert.ok(!(error instanceof TypeError), 'a bare TypeError');
        optionError('pattern', 42, /^a string$/)(error);
        assert.match(
          (error as Error).message,
          /^@Topic\(\(number\)\) on Broken\.handle: pattern must be a string, got 42$/,
        );
        return true;
      });
      await assertStillUp();
    });

    it('app options: ack "bogus", ordering "random", stopTimeout -1, maxInFlight 0, a 70,000-character client id, ackTimeout -1', async () => {
      const bad: Array<[Record<string, unknown>, string, unknown, RegExp]> = [
        [{ ack: 'bogus' }, 'ack', 'bogus', /"auto" or "after-handler"/],
        [{ ordering: 'random' }, 'ordering', 'random', /"none" or "per-topic"/],
        [{ stopTimeout: -1 }, 'stopTimeout', -1, /from 0 to 2,147,483,647/],
        [{ maxInFlight: 0 }, 'maxInFlight', 0, /positive integer/],
        [{ onError: 'log' }, 'onError', 'log', /^a function$/],
      ];
      for (const [options, option, value, rule] of bad) {
        assert.throws(
          () => createMqttApp({ url: suite.url, logger: silentLogger, ...options }),
          optionError(option, value, rule),
        );
      }
      assert.throws(
        () => createMqttApp({ url: suite.url, clientId: 'c'.repeat(70_000) }),
        (error: unknown) => {
          assert.ok(error instanceof MqttConfigError, String(error));
          assert.deepEqual(
            error.fields.map((f) => f.field),
            ['clientId'],
          );
          assert.match(error.message, /clientId: must be at most 65,535 bytes in UTF-8.*got 70,000/);
          return true;
        },
      );
      for (const ackTimeout of [-1, 2.5, '30s']) {
        assert.throws(
          () => createMqttApp({ url: suite.url, ackTimeout: ackTimeout as number }),
          (error: unknown) => {
            assert.ok(error instanceof MqttConfigError, String(error));
            assert.deepEqual(
              error.fields.map((f) => f.field),
              ['ackTimeout'],
            );
            assert.match(
              error.message,
              /ackTimeout: ackTimeout must (not be less than 0|be an integer number)/,
            );
            return true;
          },
        );
      }
      assert.throws(
        () => useMqtt(new Koa(), { url: suite.url, connectInBackground: 'yes' as never }),
        optionError('connectInBackground', 'yes', /^a boolean$/),
      );
      assert.throws(
        () => useMqtt(new Koa(), { url: suite.url, ack: 'bogus' as never }),
        optionError('ack', 'bogus', /after-handler/),
      );
      await assertStillUp();
    });

    it(
      mqtt5
        ? 'a @Topic with noLocal starts on MQTT 5'
        : 'a @Topic with noLocal makes start() reject on MQTT 3.1.1, naming the filter',
      async () => {
        @MqttController('bad')
        class Echo {
          @Topic('echo', { noLocal: true })
          echo(): void {}
        }
        const other = suite.create({ controllers: [Echo] });
        if (mqtt5) {
          await other.start();
          assert.equal(other.service.connected, true);
          await other.stop();
        } else {
          await assert.rejects(other.start(), (error: unknown) => {
            assert.ok(error instanceof MqttProtocolError, String(error));
            assert.match(error.message, /"bad\/echo": noLocal needs MQTT 5/);
            return true;
          });
        }
        await assertStillUp();
      },
    );
  });
}
