import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type MqttAppOptions,
  MqttConnectionError,
  MqttController,
  MqttPublishError,
  Payload,
  Topic,
} from '../../../src/index.js';
import { faultKit } from '../../helpers/fault-kit.js';
import { type MosquittoBroker, startMosquitto } from '../../helpers/mosquitto.js';
import { describeMosquitto } from '../../helpers/mosquitto-available.js';
import { Recorder } from '../../helpers/recorder.js';

const received = new Recorder<string>();

/** The same controller over every transport. */
@MqttController('secure')
class SecureController {
  @Topic('+', { qos: 1 })
  on(@Payload() body: string) {
    received.record(body);
  }
}

describeMosquitto('TLS, authentication, ACLs and websockets (Mosquitto)', () => {
  const kit = faultKit({});
  const app = (options: MqttAppOptions) => kit.app({ controllers: [SecureController], ...options });
  /** Starts `options`, publishes through the app itself, and waits for its own controller to get it. */
  const roundTrip = async (options: MqttAppOptions, body: string) => {
    const started = app(options);
    await started.start();
    const before = received.count;
    await started.service.publish('secure/x', body, { qos: 1 });
    await received.waitFor(before + 1, 5000);
    assert.equal(received.calls.at(-1), body);
    await started.stop();
  };
  const refusal = async (options: MqttAppOptions): Promise<MqttConnectionError> => {
    const error = await app(options)
      .start()
      .then(
        () => assert.fail('start() should have been refused'),
        (e: unknown) => e,
      );
    assert.ok(error instanceof MqttConnectionError, String(error));
    return error;
  };
  describe('over TLS and websockets, with users', () => {
    let broker: MosquittoBroker;
    before(async () => {
      broker = await startMosquitto({ tls: true, websockets: true, users: { app: 'app-secret' } });
    });
    after(() => broker.close());
    const user = { username: 'app', password: 'app-secret' };

    it('connects with the test CA and handles messages', async () => {
      await roundTrip({ url: broker.tlsUrl, tls: { ca: broker.ca }, ...user }, 'over tls');
    });

    it('refuses a server certificate signed by an untrusted CA, and one with no CA given', async () => {
      const untrusted = await refusal({ url: broker.tlsUrl, tls: { ca: broker.untrustedCa }, ...user });
      assert.match(untrusted.message, /certificate/i);
      const noCa = await refusal({ url: broker.tlsUrl, ...user });
      assert.match(noCa.message, /certificate/i);
    });

    it('refuses a wrong password at once, naming the reason, never showing the password', async () => {
      const error = await refusal({
        url: broker.url,
        username: 'app',
        password: 'wrong-password',
        reconnectPeriod: 50,
      });
      assert.ok(error.reasonCode === 0x86 || error.reasonCode === 0x87, `reason code ${error.reasonCode}`);
      assert.doesNotMatch(error.message, /wrong-password|app-secret/);
      const anonymous = await refusal({ url: broker.url });
      assert.ok(anonymous.reasonCode !== undefined);
    });

    it('runs the same controllers over ws://', async () => {
      await roundTrip({ url: broker.wsUrl, ...user }, 'over websockets');
    });
  });

  describe('with an ACL (dynamic security)', () => {
    let broker: MosquittoBroker;
    before(async () => {
      broker = await startMosquitto({
        dynamicSecurity: {
          users: {
            app: {
              password: 'app-secret',
              acls: [
                { type: 'subscribePattern', topic: 'secure/#' },
                { type: 'publishClientSend', topic: 'secure/#' },
              ],
            },
          },
        },
      });
    });
    after(() => broker.close());

    it('rejects a denied QoS 1 publish on MQTT 5 with MqttPublishError naming the topic (0x87)', async () => {
      const started = app({ url: broker.url, username: 'app', password: 'app-secret', protocolVersion: 5 });
      await started.start();
      const error = await started.service.publish('forbidden/x', 'no', { qos: 1 }).then(
        () => assert.fail('publish should have been refused'),
        (e: unknown) => e,
      );
      assert.ok(error instanceof MqttPublishError, String(error));
      assert.equal(error.topic, 'forbidden/x');
      assert.equal(error.reasonCode, 0x87);
      assert.match(error.message, /forbidden\/x/);
      // The app goes on: an allowed publish still works.
      await started.service.publish('secure/ok', 'yes', { qos: 1 });
      assert.equal(started.service.connected, true);
    });
  });
});
