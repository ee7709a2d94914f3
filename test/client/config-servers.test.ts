import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createMqttApp, MqttConfig, MqttConfigError } from '../../src/index.js';

function fields(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof MqttConfigError, String(error));
    return error.fields.map((f) => f.field).sort();
  }
  assert.fail('expected an MqttConfigError');
}

describe('MqttConfig: several brokers, unknown options, broker limits', () => {
  it('takes a servers list, tried in order, and shows them without passwords', () => {
    const config = MqttConfig.from({ servers: ['mqtt://u:secret@a:1883', 'mqtts://b:8883'], username: 'u' });
    assert.deepEqual(config.brokerUrls, ['mqtt://u:secret@a:1883', 'mqtts://b:8883']);
    assert.equal(config.brokerUrl, 'mqtt://u@a:1883,mqtts://b:8883');
    assert.doesNotMatch(JSON.stringify(config), /secret/);
  });

  it('splits a comma-separated MQTT_URL into the same list', () => {
    const config = MqttConfig.fromEnv({ MQTT_URL: 'mqtt://a:1883, mqtt://b:1884 ,mqtt://c:1885' });
    assert.deepEqual(config.brokerUrls, ['mqtt://a:1883', 'mqtt://b:1884', 'mqtt://c:1885']);
  });

  it('refuses servers with url, an empty list and a bad scheme, naming each', () => {
    assert.deepEqual(
      fields(() => MqttConfig.from({ url: 'mqtt://a', servers: ['mqtt://b'] })),
      ['servers'],
    );
    assert.deepEqual(
      fields(() => MqttConfig.from({ servers: [] })),
      ['servers'],
    );
    assert.deepEqual(
      fields(() => MqttConfig.from({ servers: ['mqtt://a', 'http://b'] })),
      ['servers[1]'],
    );
    assert.deepEqual(
      fields(() => MqttConfig.from({ url: 'mqtt://a,http://b' })),
      ['url'],
    );
  });

  it('an option it does not know is an error, at every level', () => {
    const input = {
      url: 'mqtt://a',
      server: ['mqtt://b'],
      will: { topic: 't', qoss: 1 },
      tls: { rejectUnauthorised: false },
      brokerLimits: { maxQoS: 1 },
    };
    assert.deepEqual(
      fields(() => MqttConfig.from(input as never)),
      ['brokerLimits.maxQoS', 'server', 'tls.rejectUnauthorised', 'will.qoss'],
    );
  });

  it('createMqttApp refuses an option it does not know instead of ignoring it', () => {
    assert.deepEqual(
      fields(() => createMqttApp({ url: 'mqtt://a', reconectPeriod: 5 } as never)),
      ['reconectPeriod'],
    );
  });

  it('validates brokerLimits and the new connection options', () => {
    assert.deepEqual(
      fields(() =>
        MqttConfig.from({
          brokerLimits: { maxQos: 3 as 1, maxPacketSize: 0, receiveMaximum: 70_000 },
          reconnectRetries: -1,
          downgradeQos: 'yes' as unknown as boolean,
        }),
      ),
      [
        'brokerLimits.maxPacketSize',
        'brokerLimits.maxQos',
        'brokerLimits.receiveMaximum',
        'downgradeQos',
        'reconnectRetries',
      ],
    );
  });

  it('reads MQTT_RECONNECT_RETRIES and MQTT_LOG_PACKETS', () => {
    const config = MqttConfig.fromEnv({ MQTT_RECONNECT_RETRIES: '5', MQTT_LOG_PACKETS: 'true' });
    assert.equal(config.reconnectRetries, 5);
    assert.equal(config.logPackets, true);
  });
});
