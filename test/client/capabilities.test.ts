import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { IClientPublishOptions } from 'mqtt';
import { generate } from 'mqtt-packet';
import { readCapabilities } from '../../src/client/capabilities.js';
import { publishPacketSize } from '../../src/client/packet-size.js';
import { enforcePublishLimits } from '../../src/client/publish-limits.js';
import { subscriptionLimitsError } from '../../src/client/subscription-limits.js';
import { MqttCapabilityError } from '../../src/index.js';

describe('readCapabilities', () => {
  it('reads every MQTT 5 CONNACK property and takes the stricter of it and brokerLimits', () => {
    const caps = readCapabilities(
      {
        cmd: 'connack',
        sessionPresent: false,
        properties: {
          maximumQoS: 1,
          retainAvailable: false,
          maximumPacketSize: 2000,
          receiveMaximum: 20,
          topicAliasMaximum: 10,
          sessionExpiryInterval: 300,
          serverKeepAlive: 30,
          assignedClientIdentifier: 'auto-1',
          sharedSubscriptionAvailable: false,
          wildcardSubscriptionAvailable: true,
          subscriptionIdentifiersAvailable: false,
        },
      },
      5,
      { maxPacketSize: 1500, receiveMaximum: 50, maxQos: 2 },
    );
    assert.deepEqual(caps, {
      protocolVersion: 5,
      maximumQoS: 1,
      retainAvailable: false,
      maximumPacketSize: 1500,
      wildcardSubscriptionAvailable: true,
      sharedSubscriptionAvailable: false,
      subscriptionIdentifiersAvailable: false,
      receiveMaximum: 20,
      topicAliasMaximum: 10,
      sessionExpiryInterval: 300,
      serverKeepAlive: 30,
      assignedClientIdentifier: 'auto-1',
      copyPerSubscription: false,
      wildcardsMatchDollarTopics: false,
    });
  });

  it('on MQTT 3.1.1 only the declared limits apply; everything else is allowed', () => {
    const caps = readCapabilities({ cmd: 'connack', sessionPresent: false, returnCode: 0 }, 4, {
      maxQos: 1,
      sharedSubscriptions: false,
      copyPerSubscription: true,
      wildcardsMatchDollarTopics: true,
    });
    assert.equal(caps.maximumQoS, 1);
    assert.equal(caps.sharedSubscriptionAvailable, false);
    assert.equal(caps.retainAvailable, true);
    assert.equal(caps.maximumPacketSize, undefined);
    assert.equal(caps.receiveMaximum, 65_535);
    assert.equal(caps.subscriptionIdentifiersAvailable, false);
    assert.equal(caps.copyPerSubscription, true);
    assert.equal(caps.wildcardsMatchDollarTopics, true);
  });
});

describe('publishPacketSize', () => {
  const cases: Array<[string, string, Buffer | string, IClientPublishOptions, 4 | 5]> = [
    ['QoS 0, 3.1.1', 'a/b', 'hello', { qos: 0 }, 4],
    ['QoS 1, 3.1.1, multi-byte topic', 'é/ü/漢', Buffer.alloc(300), { qos: 1 }, 4],
    ['QoS 2, MQTT 5, no properties', 't', Buffer.alloc(127 - 6), { qos: 2 }, 5],
    ['MQTT 5, remaining length at a varint boundary', 'x', Buffer.alloc(16_384 - 4), { qos: 0 }, 5],
    ['MQTT 5, 3-byte remaining length', 'big', Buffer.alloc(200_000), { qos: 1 }, 5],
    [
      'MQTT 5 with properties',
      'req/1',
      '{"a":1}',
      {
        qos: 1,
        properties: {
          contentType: 'application/json',
          responseTopic: 'reply/ü',
          correlationData: Buffer.from('abc'),
          userProperties: { a: 'b', list: ['x', 'yy'] },
          messageExpiryInterval: 60,
          payloadFormatIndicator: true,
        },
      },
      5,
    ],
  ];
  for (const [name, topic, payload, options, version] of cases) {
    it(`equals the bytes mqtt-packet writes: ${name}`, () => {
      const written = generate(
        {
          cmd: 'publish',
          topic,
          payload,
          qos: options.qos ?? 0,
          retain: false,
          dup: false,
          messageId: (options.qos ?? 0) > 0 ? 42 : undefined,
          properties: options.properties,
        },
        { protocolVersion: version },
      );
      assert.equal(publishPacketSize(topic, payload, options, version), written.length);
    });
  }
});

describe('enforcePublishLimits', () => {
  const caps = readCapabilities(
    {
      cmd: 'connack',
      sessionPresent: false,
      properties: { maximumQoS: 1, retainAvailable: false, maximumPacketSize: 100 },
    },
    5,
  );

  it('names the limit and the value: QoS above the maximum', () => {
    assert.throws(
      () => enforcePublishLimits('t', 'x', { qos: 2 }, caps, false),
      (error: unknown) =>
        error instanceof MqttCapabilityError &&
        error.limit === 'maximumQoS' &&
        error.value === 2 &&
        error.allowed === 1 &&
        /Maximum QoS is 1/.test(error.message),
    );
  });

  it('lowers the QoS instead with downgradeQos', () => {
    assert.equal(enforcePublishLimits('t', 'x', { qos: 2 }, caps, true).qos, 1);
  });

  it('refuses a retained message where retain is unavailable', () => {
    assert.throws(
      () => enforcePublishLimits('t', 'x', { qos: 0, retain: true }, caps, false),
      (error: unknown) => error instanceof MqttCapabilityError && error.limit === 'retainAvailable',
    );
  });

  it('counts the packet exactly: the largest payload that fits passes, one byte more is refused', () => {
    // 1 fixed header + 1 remaining length + 2 + 1 topic + 1 properties length = 6 bytes around the payload.
    assert.doesNotThrow(() => enforcePublishLimits('t', Buffer.alloc(94), { qos: 0 }, caps, false));
    assert.throws(
      () => enforcePublishLimits('t', Buffer.alloc(95), { qos: 0 }, caps, false),
      (error: unknown) =>
        error instanceof MqttCapabilityError &&
        error.limit === 'maximumPacketSize' &&
        error.value === 101 &&
        error.allowed === 100,
    );
  });
});

describe('subscriptionLimitsError', () => {
  it('names every shared filter the broker does not support', () => {
    const caps = readCapabilities(undefined, 4, { sharedSubscriptions: false });
    const error = subscriptionLimitsError(['$share/g/a/+', 'plain/#', '$share/h/b'], caps);
    assert.ok(error instanceof MqttCapabilityError);
    assert.equal(error.limit, 'sharedSubscriptionAvailable');
    assert.deepEqual(error.value, ['$share/g/a/+', '$share/h/b']);
    assert.match(error.message, /"\$share\/g\/a\/\+", "\$share\/h\/b"/);
  });

  it('names wildcard filters when wildcards are unavailable, and passes plain ones', () => {
    const caps = readCapabilities(undefined, 4, { wildcardSubscriptions: false });
    assert.equal(subscriptionLimitsError(['a/b', 'a+b/c'], caps), undefined);
    const error = subscriptionLimitsError(['a/+/c', 'x/#', 'a/b'], caps);
    assert.deepEqual(error?.value, ['a/+/c', 'x/#']);
  });
});
