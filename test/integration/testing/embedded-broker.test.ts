import assert from 'node:assert/strict';
import { connect, createServer, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import { MqttError } from '../../../src/errors.js';
import { importOptional } from '../../../src/optional-import.js';
import { type EmbeddedBroker, startEmbeddedBroker } from '../../../src/testing/index.js';
import { ClientPool } from '../../helpers/clients.js';
import { collectMessages } from '../../helpers/wait.js';

const V311 = { protocolVersion: 4 } as const;

describe('startEmbeddedBroker', { timeout: 10_000 }, () => {
  const pool = new ClientPool();
  const brokers: EmbeddedBroker[] = [];
  const start = async (...args: Parameters<typeof startEmbeddedBroker>) => {
    const broker = await startEmbeddedBroker(...args);
    brokers.push(broker);
    return broker;
  };
  after(async () => {
    await pool.closeAll();
    await Promise.all(brokers.map((broker) => broker.close()));
  });

  it('round-trips a QoS 1 message on a free port of 127.0.0.1', async () => {
    const broker = await start();
    assert.equal(broker.host, '127.0.0.1');
    assert.ok(broker.port > 0);
    assert.equal(broker.url, `mqtt://127.0.0.1:${broker.port}`);
    const sub = await pool.connect(broker.url, V311);
    const pub = await pool.connect(broker.url, V311);
    await sub.subscribeAsync('embedded/+', { qos: 1 });
    const received = collectMessages(sub, 1, 2000);
    await pub.publishAsync('embedded/a', 'hello', { qos: 1 });
    const [message] = await received;
    assert.equal(message!.topic, 'embedded/a');
    assert.equal(message!.payload.toString(), 'hello');
    assert.equal(message!.packet.qos, 1);
  });

  it('carries QoS 1 loop-backs (round-trip time reported, not judged: timing is for benchmarks)', async (t) => {
    // One client publishing to itself, its own socket without Nagle: 40+ ms per message when the
    // broker's sockets keep Nagle's algorithm, under 1 ms with the server's noDelay. The figure is
    // printed as a diagnostic; the machine is shared and noisy, so it is not asserted.
    const broker = await start();
    const client = await pool.connect(broker.url, V311);
    (client.stream as Socket).setNoDelay(true);
    await client.subscribeAsync('embedded/loop', { qos: 1 });
    const started = performance.now();
    for (let i = 0; i < 10; i++) {
      const received = collectMessages(client, 1, 2000);
      await client.publishAsync('embedded/loop', String(i), { qos: 1 });
      const [message] = await received;
      assert.equal(message!.payload.toString(), String(i));
    }
    t.diagnostic(`QoS 1 loop-back: ${((performance.now() - started) / 10).toFixed(2)} ms per message`);
  });

  it('publish() sends from the broker: JSON for objects, text, bytes, with QoS and retain', async () => {
    const broker = await start();
    const sub = await pool.connect(broker.url, V311);
    await sub.subscribeAsync('from-broker/+', { qos: 1 });
    const received = collectMessages(sub, 3, 2000);
    await broker.publish('from-broker/json', { celsius: 21.5 }, { qos: 1 });
    await broker.publish('from-broker/text', 'hello');
    await broker.publish('from-broker/bytes', Buffer.from([0, 255]), { qos: 1, retain: true });
    const messages = await received;
    assert.deepEqual(
      messages.map((m) => [m.topic, m.payload.toString('hex'), m.packet.qos]),
      [
        ['from-broker/json', Buffer.from('{"celsius":21.5}').toString('hex'), 1],
        ['from-broker/text', Buffer.from('hello').toString('hex'), 0],
        ['from-broker/bytes', '00ff', 1],
      ],
    );
    const late = await pool.connect(broker.url, V311);
    const retained = collectMessages(late, 1, 2000);
    await late.subscribeAsync('from-broker/bytes');
    assert.equal((await retained)[0]!.packet.retain, true);
  });

  it('exposes the aedes instance and its events', async () => {
    const broker = await start();
    const seen = new Promise<string>((resolve) =>
      broker.aedes.once('client', (client) => resolve(client.id)),
    );
    await pool.connect(broker.url, { ...V311, clientId: 'seen-by-aedes' });
    assert.equal(await seen, 'seen-by-aedes');
    assert.equal(broker.aedes.connectedClients, 1);
  });

  it('close() disconnects clients, frees the port and is idempotent', async () => {
    const broker = await startEmbeddedBroker();
    const client = await pool.connect(broker.url, V311);
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    await Promise.all([broker.close(), broker.close()]);
    await broker.close();
    await closed;
    assert.equal(broker.aedes.closed, true);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(broker.port, '127.0.0.1', () => resolve());
    });
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('close() also ends connections that never sent CONNECT', async () => {
    const broker = await startEmbeddedBroker();
    const socket = connect({ host: broker.host, port: broker.port });
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    await broker.close();
    await ended;
  });

  it('refuses a bad password through the authenticate hook with CONNACK 4', async () => {
    const broker = await start({
      authenticate: ({ username, password }) => username === 'alice' && password?.toString() === 'secret',
    });
    await pool.connect(broker.url, { ...V311, username: 'alice', password: 'secret' });
    await assert.rejects(pool.connect(broker.url, { ...V311, username: 'alice', password: 'wrong' }), {
      code: 4,
    });
  });

  it('refuses with CONNACK 5 when the authenticate hook throws', async () => {
    const broker = await start({
      authenticate: async () => {
        throw new Error('directory unavailable');
      },
    });
    await assert.rejects(pool.connect(broker.url, V311), { code: 5 });
  });

  it('serves MQTT over WebSocket with websocketPort', async () => {
    const broker = await start({ websocketPort: 0 });
    assert.ok(broker.websocketPort! > 0);
    assert.equal(broker.wsUrl, `ws://127.0.0.1:${broker.websocketPort}`);
    const sub = await pool.connect(broker.wsUrl!, V311);
    const pub = await pool.connect(broker.url, V311);
    await sub.subscribeAsync('ws/#', { qos: 1 });
    const received = collectMessages(sub, 1, 2000);
    await pub.publishAsync('ws/x', 'over websocket', { qos: 1 });
    assert.equal((await received)[0]!.payload.toString(), 'over websocket');
  });

  it('rejects, and leaves nothing running, when the port is taken', async () => {
    const broker = await start();
    await assert.rejects(startEmbeddedBroker({ port: broker.port }), { code: 'EADDRINUSE' });
  });
});

describe('importOptional', () => {
  it('tells the user to install a missing optional package', async () => {
    const name = 'koa-mqtt-no-such-package';
    await assert.rejects(
      importOptional(name, 'startEmbeddedBroker', () => import(name)),
      (error: unknown) =>
        error instanceof MqttError &&
        error.code === 'ERR_MQTT_MISSING_DEPENDENCY' &&
        error.message.startsWith(`install ${name} to use startEmbeddedBroker`),
    );
  });

  it('rethrows other failures unchanged', async () => {
    const failure = new Error('broken install');
    await assert.rejects(
      importOptional('aedes', 'startEmbeddedBroker', () => Promise.reject(failure)),
      (error) => error === failure,
    );
  });
});
