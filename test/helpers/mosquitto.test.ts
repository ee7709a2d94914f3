import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, it } from 'node:test';
import { ErrorWithSubackPacket, type IConnackPacket, type MqttClient } from 'mqtt';
import { ClientPool } from './clients.js';
import { type MosquittoBroker, startMosquitto } from './mosquitto.js';
import { describeMosquitto } from './mosquitto-available.js';
import { collectMessages, onceEvent } from './wait.js';

const suiteStarted = performance.now();
const V311 = { protocolVersion: 4 } as const;
const V5 = { protocolVersion: 5 } as const;

async function roundTrip(sub: MqttClient, pub: MqttClient, topic: string): Promise<void> {
  await sub.subscribeAsync(topic, { qos: 1 });
  const received = collectMessages(sub, 1, 2000);
  await pub.publishAsync(topic, `to ${topic}`, { qos: 1 });
  const [message] = await received;
  assert.equal(message!.payload.toString(), `to ${topic}`);
  assert.equal(message!.packet.qos, 1);
}

describeMosquitto('startMosquitto', () => {
  const pool = new ClientPool();
  after(async () => {
    await pool.closeAll();
    console.log(`# mosquitto suite: ${Math.round(performance.now() - suiteStarted)} ms`);
  });

  describeMosquitto('plain listener', () => {
    let broker: MosquittoBroker;
    before(async () => {
      broker = await startMosquitto();
    });
    after(() => broker?.close());

    it('listens on a free port of 127.0.0.1, never 1883', { timeout: 5000 }, () => {
      assert.equal(broker.host, '127.0.0.1');
      assert.notEqual(broker.port, 1883);
      assert.equal(broker.url, `mqtt://127.0.0.1:${broker.port}`);
      assert.ok(broker.pid! > 0);
      assert.match(broker.logs(), /mosquitto version \S+ running/);
    });

    it('round-trips QoS 1 on MQTT 5', { timeout: 5000 }, async () => {
      const sub = await pool.connect(broker.url, V5);
      const pub = await pool.connect(broker.url, V5);
      await roundTrip(sub, pub, 'plain/v5');
    });

    it('round-trips QoS 1 on MQTT 3.1.1', { timeout: 5000 }, async () => {
      const sub = await pool.connect(broker.url, V311);
      const pub = await pool.connect(broker.url, V311);
      await roundTrip(sub, pub, 'plain/v311');
    });
  });

  describeMosquitto('password file and acl_file', () => {
    let broker: MosquittoBroker;
    const alice = { username: 'alice', password: 'alice-secret' };
    const bob = { username: 'bob', password: 'bob-secret' };
    before(async () => {
      broker = await startMosquitto({
        users: { alice: alice.password, bob: bob.password },
        acl: ['user alice', 'topic readwrite public/#', '', 'user bob', 'topic readwrite public/#'].join(
          '\n',
        ),
      });
    });
    after(() => broker?.close());

    it('accepts a good password', { timeout: 5000 }, async () => {
      const a = await pool.connect(broker.url, { ...V5, ...alice });
      const b = await pool.connect(broker.url, { ...V311, ...bob });
      await roundTrip(a, b, 'public/greeting');
    });

    it('refuses a bad password or no credentials with "not authorized"', { timeout: 5000 }, async () => {
      // Mosquitto 2.0.11 answers a bad password with 0x87/5 (not authorized), not 0x86/4.
      await assert.rejects(pool.connect(broker.url, { ...V5, ...alice, password: 'wrong' }), { code: 0x87 });
      await assert.rejects(pool.connect(broker.url, { ...V311, ...alice, password: 'wrong' }), { code: 5 });
      await assert.rejects(pool.connect(broker.url, V5), { code: 0x87 });
    });

    it('applies acl_file to publishes and deliveries, not to SUBSCRIBE', { timeout: 5000 }, async () => {
      const a = await pool.connect(broker.url, { ...V5, ...alice });
      const b = await pool.connect(broker.url, { ...V5, ...bob });
      const [granted] = await b.subscribeAsync(['private/#', 'public/#'], { qos: 1 });
      assert.equal(granted!.qos, 1); // granted although the ACL gives bob no private/#
      const received = collectMessages(b, 1, 2000);
      await assert.rejects(a.publishAsync('private/x', 'secret', { qos: 1 }), { code: 0x87 }); // PUBACK 0x87
      await a.publishAsync('public/x', 'open', { qos: 1 });
      assert.equal((await received)[0]!.topic, 'public/x');
    });
  });

  describeMosquitto('dynamic security plugin', () => {
    let broker: MosquittoBroker;
    const carol = { username: 'carol', password: 'carol-secret' };
    before(async () => {
      broker = await startMosquitto({
        dynamicSecurity: {
          users: {
            carol: {
              password: carol.password,
              acls: [
                { type: 'subscribePattern', topic: 'public/#' },
                { type: 'publishClientSend', topic: 'public/#' },
              ],
            },
          },
        },
      });
    });
    after(() => broker?.close());

    it('authenticates its users', { timeout: 5000 }, async () => {
      const c1 = await pool.connect(broker.url, { ...V5, ...carol });
      const c2 = await pool.connect(broker.url, { ...V311, ...carol });
      await roundTrip(c1, c2, 'public/dynsec');
      await assert.rejects(pool.connect(broker.url, { ...V5, ...carol, password: 'wrong' }), { code: 0x87 });
    });

    it('denies a filter outside the ACL with SUBACK 0x87 (MQTT 5) / 0x80 (3.1.1)', {
      timeout: 5000,
    }, async () => {
      // mqtt.js 5 rejects with ErrorWithSubackPacket: the reason code is in packet.granted, not in code.
      const refusedWith = (code: number) => (error: unknown) =>
        error instanceof ErrorWithSubackPacket && error.packet.granted[0] === code;
      const v5 = await pool.connect(broker.url, { ...V5, ...carol });
      await assert.rejects(v5.subscribeAsync('private/#', { qos: 1 }), refusedWith(0x87));
      const v311 = await pool.connect(broker.url, { ...V311, ...carol });
      await assert.rejects(v311.subscribeAsync('private/#', { qos: 1 }), refusedWith(0x80));
    });
  });

  describeMosquitto('TLS and WebSocket listeners', () => {
    let broker: MosquittoBroker;
    before(async () => {
      broker = await startMosquitto({ tls: true, websockets: true });
    });
    after(() => broker?.close());

    it('accepts TLS from a client trusting the generated CA', { timeout: 5000 }, async () => {
      assert.equal(broker.tlsUrl, `mqtts://127.0.0.1:${broker.tlsPort}`);
      const secure = await pool.connect(broker.tlsUrl!, { ...V5, ca: broker.ca });
      const plain = await pool.connect(broker.url, V5);
      await roundTrip(secure, plain, 'tls/in');
      const byName = await pool.connect(`mqtts://localhost:${broker.tlsPort}`, { ...V311, ca: broker.ca });
      await roundTrip(plain, byName, 'tls/out');
    });

    it('refuses TLS from a client trusting another CA', { timeout: 5000 }, async () => {
      // Mosquitto (OpenSSL) sends its CA along with the certificate, hence "self-signed in chain".
      await assert.rejects(pool.connect(broker.tlsUrl!, { ...V5, ca: broker.untrustedCa }), {
        code: 'SELF_SIGNED_CERT_IN_CHAIN',
      });
    });

    it('round-trips over WebSocket', { timeout: 5000 }, async () => {
      assert.equal(broker.wsUrl, `ws://127.0.0.1:${broker.wsPort}`);
      const ws = await pool.connect(broker.wsUrl!, V5);
      const tcp = await pool.connect(broker.url, V311);
      await roundTrip(ws, tcp, 'ws/in');
      await roundTrip(tcp, ws, 'ws/out');
    });
  });

  describeMosquitto('restart and persistence', () => {
    let broker: MosquittoBroker;
    before(async () => {
      broker = await startMosquitto({ persistence: true });
    });
    after(() => broker?.close());

    const session = {
      ...V5,
      clientId: 'persistent-1',
      clean: false,
      properties: { sessionExpiryInterval: 300 },
      resubscribe: false, // so a delivery proves the broker kept the subscription
    };

    it('keeps a clean:false session and its queued messages across restart()', {
      timeout: 10_000,
    }, async () => {
      const first = await pool.connect(broker.url, session);
      await first.subscribeAsync('persist/#', { qos: 1 });
      await first.endAsync();
      const pub = await pool.connect(broker.url, V5);
      await pub.publishAsync('persist/queued', 'while offline', { qos: 1 });
      await pub.endAsync();
      const pidBefore = broker.pid;

      await broker.restart();
      assert.notEqual(broker.pid, pidBefore);

      const second = pool.open(broker.url, session);
      const connack = onceEvent<IConnackPacket>(second, 'connect', 3000);
      const queued = collectMessages(second, 1, 3000);
      assert.equal((await connack).sessionPresent, true);
      assert.equal((await queued)[0]!.payload.toString(), 'while offline');
    });

    it('lets a client with reconnectPeriod reconnect to its session after restart()', {
      timeout: 10_000,
    }, async () => {
      const client = pool.open(broker.url, { ...session, clientId: 'persistent-2', reconnectPeriod: 50 });
      await onceEvent(client, 'connect', 3000);
      await client.subscribeAsync('again/#', { qos: 1 });

      // Attempts refused while the broker is down come as 'error' events: expected here.
      client.on('error', () => {});
      const reconnected = onceEvent<IConnackPacket>(client, 'connect', 5000, { rejectOnError: false });
      await broker.restart();
      assert.equal((await reconnected).sessionPresent, true);

      const pub = await pool.connect(broker.url, V311);
      const received = collectMessages(client, 1, 3000);
      await pub.publishAsync('again/after', 'after restart', { qos: 1 });
      assert.equal((await received)[0]!.payload.toString(), 'after restart');
    });

    it('kill() stops it at once; restart() brings it back on the same port', {
      timeout: 10_000,
    }, async () => {
      const port = broker.port;
      await broker.kill();
      assert.equal(broker.running, false);
      assert.equal(broker.pid, undefined);
      await broker.stop(); // no-op once stopped
      await broker.restart();
      assert.equal(broker.running, true);
      assert.equal(broker.port, port);
      await pool.connect(broker.url, V5);
    });
  });

  describeMosquitto('close()', () => {
    it('stops the broker and removes its directory, idempotently', { timeout: 5000 }, async () => {
      const broker = await startMosquitto({ persistence: true });
      assert.ok(existsSync(broker.configFile));
      await Promise.all([broker.close(), broker.close()]);
      assert.equal(broker.running, false);
      assert.equal(existsSync(broker.dir), false);
      await assert.rejects(pool.connect(broker.url, V5), { code: 'ECONNREFUSED' });
    });
  });
});
