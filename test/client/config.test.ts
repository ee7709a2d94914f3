import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';
import { MqttConfig, MqttConfigError } from '../../src/index.js';

describe('MqttConfig', () => {
  it('lists every invalid field in one error, never the password', () => {
    const error = (() => {
      try {
        MqttConfig.from({
          url: 'http://broker',
          port: 70_000,
          keepalive: -1,
          username: 'u',
          password: 'hunter2',
          will: { topic: 'a/+' },
          protocolVersion: 7 as 5,
        });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    assert.ok(error instanceof MqttConfigError);
    assert.deepEqual(error.fields.map((f) => f.field).sort(), [
      'keepalive',
      'port',
      'protocolVersion',
      'url',
      'will.topic',
    ]);
    assert.doesNotMatch(error.message, /hunter2/);
  });

  it('reads the environment', () => {
    const config = MqttConfig.fromEnv({
      MQTT_URL: 'mqtt://user:pw@broker:1884',
      MQTT_USERNAME: 'user',
      MQTT_PASSWORD: 'pw',
      MQTT_CLEAN: 'false',
      MQTT_KEEPALIVE: '30',
      MQTT_PROTOCOL_VERSION: '4',
      MQTT_WILL_TOPIC: 'status/app',
      MQTT_WILL_PAYLOAD: 'offline',
      MQTT_WILL_QOS: '1',
      MQTT_WILL_RETAIN: 'true',
      MQTT_NO_DELAY: 'false',
    });
    assert.equal(config.noDelay, false);
    assert.equal(config.clean, false);
    assert.equal(config.keepalive, 30);
    assert.equal(config.protocolVersion, 4);
    assert.deepEqual({ ...config.will }, { topic: 'status/app', payload: 'offline', qos: 1, retain: true });
    assert.equal(config.brokerUrl, 'mqtt://user@broker:1884');
    const options = config.toClientOptions(4);
    assert.equal(options.will?.payload.toString(), 'offline');
    assert.equal(options.resubscribe, false);
  });

  it('rejects a non-numeric environment value, naming the field', () => {
    assert.throws(() => MqttConfig.fromEnv({ MQTT_PORT: 'abc' }), /port/);
  });

  it('ackTimeout: a whole number of ms from 0 (off) to the timer limit, also from MQTT_ACK_TIMEOUT', () => {
    assert.equal(MqttConfig.from({ ackTimeout: 0 }).ackTimeout, 0);
    assert.equal(MqttConfig.from({ ackTimeout: 2_147_483_647 }).ackTimeout, 2_147_483_647);
    assert.equal(MqttConfig.fromEnv({ MQTT_ACK_TIMEOUT: '5000' }).ackTimeout, 5000);
    const bad: Array<[unknown, RegExp]> = [
      [-1, /^ackTimeout must not be less than 0$/],
      [1.5, /^ackTimeout must be an integer number$/],
      ['30s', /^ackTimeout must be an integer number$/],
      [2_147_483_648, /^ackTimeout must not be greater than 2147483647$/],
    ];
    for (const [value, rule] of bad) {
      assert.throws(
        () => MqttConfig.from({ ackTimeout: value as number }),
        (error: unknown) => {
          assert.ok(error instanceof MqttConfigError, String(error));
          assert.deepEqual(
            error.fields.map((f) => f.field),
            ['ackTimeout'],
          );
          assert.ok(
            error.fields[0]!.problems.some((p) => rule.test(p)),
            `${String(value)}: ${error.message}`,
          );
          return true;
        },
      );
    }
    assert.throws(
      () => MqttConfig.fromEnv({ MQTT_ACK_TIMEOUT: '30s' }),
      /ackTimeout must be an integer number/,
    );
  });

  it('never shows the password when logged or serialised', () => {
    const config = MqttConfig.from({ host: 'h', username: 'u', password: 'hunter2' });
    assert.doesNotMatch(JSON.stringify(config), /hunter2/);
    assert.doesNotMatch(inspect(config), /hunter2/);
    assert.equal(config.brokerUrl, 'mqtt://h:1883');
  });
});
