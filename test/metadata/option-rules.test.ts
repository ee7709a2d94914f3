import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  MqttController,
  MqttOptionError,
  Payload,
  type PayloadOptions,
  Topic,
  TopicParam,
} from '../../src/index.js';
import { checkOptions, rules, SUBSCRIPTION_RULES, TOPIC_RULES } from '../../src/metadata/option-rules.js';
import { checkTopicAlias, PUBLISH_RULES } from '../../src/service/publish-properties.js';

/** The error `fn` throws, which must be an `MqttOptionError`. */
function optionErrorOf(fn: () => unknown): MqttOptionError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof MqttOptionError, `expected MqttOptionError, got ${String(error)}`);
    return error;
  }
  assert.fail('nothing was thrown');
}

describe('option rules', () => {
  it('checks each given option against its rule; undefined means not given', () => {
    checkOptions('t', SUBSCRIPTION_RULES, { qos: 2, retainHandling: 2, noLocal: undefined, share: false });
    checkOptions('t', SUBSCRIPTION_RULES, undefined);
    checkOptions('t', SUBSCRIPTION_RULES, { unknown: 'left to TypeScript' });
    const error = optionErrorOf(() =>
      checkOptions('subscribe("a")', SUBSCRIPTION_RULES, { retainHandling: 3 }),
    );
    assert.equal(error.message, 'subscribe("a"): retainHandling must be 0, 1 or 2, got 3');
    assert.equal(error.code, 'ERR_MQTT_OPTION');
    assert.deepEqual(
      [error.where, error.option, error.value, error.rule],
      ['subscribe("a")', 'retainHandling', 3, '0, 1 or 2'],
    );
  });

  it('refuses an options value that is not an object', () => {
    const error = optionErrorOf(() => checkOptions('publish("a")', PUBLISH_RULES, 'qos 1'));
    assert.equal(error.message, 'publish("a"): options must be an object, got "qos 1"');
  });

  it('names nested options by their path, and user properties by key', () => {
    const alias = optionErrorOf(() => checkOptions('p', PUBLISH_RULES, { properties: { topicAlias: 1.5 } }));
    assert.equal(alias.option, 'properties.topicAlias');
    const user = optionErrorOf(() =>
      checkOptions('p', PUBLISH_RULES, { properties: { userProperties: { ok: ['a', 'b\u0000'] } } }),
    );
    assert.equal(user.option, 'properties.userProperties["ok"]');
    const key = optionErrorOf(() =>
      checkOptions('p', PUBLISH_RULES, { properties: { userProperties: { 'a\nb': 'x' } } }),
    );
    assert.equal(key.option, 'properties.userProperties');
    checkOptions('p', PUBLISH_RULES, {
      qos: 1,
      properties: {
        payloadFormatIndicator: true,
        messageExpiryInterval: 0xffff_ffff,
        topicAlias: 65_535,
        responseTopic: 'replies/1',
        correlationData: Buffer.from('x'),
        userProperties: { a: 'b', c: ['d', 'e'] },
        contentType: 'application/json',
      },
    });
  });

  it('shows values without flooding the message', () => {
    const error = optionErrorOf(() => checkOptions('t', TOPIC_RULES, { ack: 'x'.repeat(70_000) }));
    assert.ok(error.message.length < 400, `${error.message.length} characters`);
    assert.match(optionErrorOf(() => checkOptions('t', TOPIC_RULES, { qos: null })).message, /got null$/);
    assert.match(
      optionErrorOf(() => checkOptions('t', TOPIC_RULES, { noLocal: [1] })).message,
      /got an array \(1 items\)$/,
    );
  });

  it('integer rules refuse fractions, NaN and numbers as strings', () => {
    const rule = rules.integer(0, 10);
    for (const bad of [1.5, Number.NaN, Number.POSITIVE_INFINITY, '3', -1, 11])
      assert.equal(rule.test(bad), false, String(bad));
    for (const good of [0, 10, 5]) assert.equal(rule.test(good), true);
  });

  it("checkTopicAlias: the broker's Topic Alias Maximum, when known", () => {
    checkTopicAlias('p', 10, 10);
    checkTopicAlias('p', 500, undefined);
    checkTopicAlias('p', undefined, 0);
    assert.match(
      optionErrorOf(() => checkTopicAlias('p', 11, 10)).message,
      /at most the broker's Topic Alias Maximum, 10, got 11$/,
    );
    assert.match(optionErrorOf(() => checkTopicAlias('p', 1, 0)).message, /accepts no topic aliases/);
  });
});

describe('decorator options, checked when the class is defined', () => {
  it('@MqttController: a prefix that is not a string, a bad qos or share name', () => {
    const prefix = optionErrorOf(() => {
      @MqttController(7 as unknown as string)
      class Seven {}
      return Seven;
    });
    assert.equal(prefix.message, '@MqttController((number)) on Seven: prefix must be a string, got 7');
    const share = optionErrorOf(() => {
      @MqttController('a', { share: 'g/h' })
      class Slash {}
      return Slash;
    });
    assert.equal(share.option, 'share');
    assert.match(share.rule, /without "\/", "\+" or "#"/);
  });

  it('@Topic: qos 3 and a bad share name', () => {
    const qos = optionErrorOf(() => {
      class A {
        @Topic('x', { qos: 3 as 1 })
        x(): void {}
      }
      return A;
    });
    assert.equal(qos.message, '@Topic("x") on A.x: qos must be 0, 1 or 2, got 3');
  });

  it('@TopicParam needs a non-empty name; @Payload options have rules too', () => {
    const name = optionErrorOf(() => {
      class A {
        @Topic('+id')
        x(@TopicParam('') _id: string): void {}
      }
      return A;
    });
    assert.equal(name.message, '@TopicParam on A.x (parameter 0): name must be a non-empty string, got ""');
    const validate = optionErrorOf(() => {
      class B {
        @Topic('x')
        x(@Payload({ validate: 'yes' } as unknown as PayloadOptions) _body: unknown): void {}
      }
      return B;
    });
    assert.equal(validate.option, 'validate');
    const type = optionErrorOf(() => {
      class C {
        @Topic('x')
        x(@Payload({ type: 'Reading' } as unknown as PayloadOptions) _body: unknown): void {}
      }
      return C;
    });
    assert.equal(type.option, 'type');
  });
});
