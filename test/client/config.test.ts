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

  it('never shows the password when logged or serialised', () => {
    const config = MqttConfig.from({ host: 'h', username: 'u', password: 'hunter2' });
    assert.doesNotMatch(JSON.stringify(config), /hunter2/);
    assert.doesNotMatch(inspect(config), /hunter2/);
    assert.equal(config.brokerUrl, 'mqtt://h:1883');
  });
});
