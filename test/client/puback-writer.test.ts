import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import { createServer, type Server, Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { MqttClient, Packet } from 'mqtt';
import mqttPacket from 'mqtt-packet';
import { PubackWriter } from '../../src/client/ack-batching.js';

/**
 * PubackWriter against a real TCP connection: what it writes is parsed back with mqtt-packet,
 * the parser brokers built on mqtt.js's stack use. The "client" is the three things the writer
 * reads of an mqtt.js client (`stream`, `connected`, `options.protocolVersion`) and its
 * `packetsend` event.
 */
describe('PubackWriter', () => {
  let server: Server;
  const accepted: Socket[] = [];

  before(async () => {
    server = createServer((socket) => accepted.push(socket));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
  });
  after(() => {
    for (const socket of accepted) socket.destroy();
    server.close();
  });

  /** A connected socket pair: `stream` is the client's end; `received` parses the server's. */
  async function connection(protocolVersion: 4 | 5) {
    const port = (server.address() as { port: number }).port;
    const stream = await new Promise<Socket>((resolve, reject) => {
      const socket = new Socket();
      socket.once('error', reject);
      socket.connect(port, '127.0.0.1', () => resolve(socket));
    });
    while (accepted.length === 0) await once(server, 'connection');
    const peer = accepted.shift()!;
    const parser = mqttPacket.parser({ protocolVersion });
    const received: Packet[] = [];
    let reads = 0;
    parser.on('packet', (packet: Packet) => received.push(packet));
    peer.on('data', (chunk) => {
      reads++;
      parser.parse(chunk);
    });
    const sent: Packet[] = [];
    const client = Object.assign(new EventEmitter(), {
      stream,
      connected: true,
      options: { protocolVersion },
    });
    client.on('packetsend', (packet: Packet) => sent.push(packet));
    const until = async (count: number) => {
      while (received.length < count) await once(peer, 'data');
    };
    return {
      client: client as unknown as MqttClient & { connected: boolean },
      stream,
      received,
      sent,
      until,
      reads: () => reads,
    };
  }

  for (const protocolVersion of [4, 5] as const) {
    it(`MQTT ${protocolVersion === 5 ? '5' : '3.1.1'}: a turn's PUBACKs leave in order, as one write, with their reason codes`, async () => {
      const { client, stream, received, sent, until } = await connection(protocolVersion);
      let writes = 0;
      const write = stream.write.bind(stream);
      stream.write = ((chunk: Buffer) => {
        writes++;
        return write(chunk);
      }) as typeof stream.write;
      const writer = new PubackWriter();
      // More than the arrays start with (1,024), and identifiers at both ends of their range.
      const ids = Array.from({ length: 3000 }, (_, i) => (i === 0 ? 65535 : i));
      for (const id of ids) writer.add(client, id, id % 1000 === 7 ? 0x80 : 0);
      assert.equal(writes, 0, 'nothing written before the turn ends');
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(writes, 1, 'one write');
      await until(ids.length);
      assert.deepEqual(
        received.map((packet) => packet.messageId),
        ids,
      );
      assert.ok(received.every((packet) => packet.cmd === 'puback'));
      const codes = received.map((packet) => (packet as { reasonCode?: number }).reasonCode ?? 0);
      const expected = ids.map((id) => (protocolVersion === 5 && id % 1000 === 7 ? 0x80 : 0));
      assert.deepEqual(codes, expected, 'reason codes in MQTT 5 only');
      assert.deepEqual(
        sent.map((packet) => packet.messageId),
        ids,
        'each PUBACK emitted as packetsend',
      );
      stream.destroy();
    });
  }

  it('drops the PUBACKs of a connection that closed or was replaced before the turn ended', async () => {
    const first = await connection(4);
    const writer = new PubackWriter();
    writer.add(first.client, 1, 0);
    first.client.connected = false;
    await new Promise((resolve) => setImmediate(resolve));

    writer.add(first.client, 2, 0);
    const second = await connection(4);
    // mqtt.js reconnects on the same client with a new stream: id 2 was owed on the old one.
    (first.client as unknown as { stream: Socket }).stream = second.stream;
    first.client.connected = true;
    await new Promise((resolve) => setImmediate(resolve));
    writer.add(first.client, 3, 0);
    await new Promise((resolve) => setImmediate(resolve));
    await second.until(1);
    assert.deepEqual(
      second.received.map((packet) => packet.messageId),
      [3],
    );
    assert.equal(first.received.length, 0, 'nothing on the closed connection');
    first.stream.destroy();
    second.stream.destroy();
  });

  it('a packet mqtt.js writes in the same turn leaves after the PUBACKs owed before it', async () => {
    const { client, stream, received, until } = await connection(4);
    const writer = new PubackWriter();
    writer.watch(client);
    writer.add(client, 1, 0);
    writer.add(client, 2, 0);
    // What mqtt.js's _writePacket does: packetsend, then the write (a PINGREQ here).
    client.emit('packetsend', { cmd: 'pingreq' });
    stream.write(Buffer.from([0xc0, 0x00]));
    writer.add(client, 3, 0);
    await until(4);
    assert.deepEqual(
      received.map((packet) => packet.messageId ?? packet.cmd),
      [1, 2, 'pingreq', 3],
    );
    stream.destroy();
  });

  it('flush() writes at once (before a DISCONNECT written in the same turn)', async () => {
    const { client, stream, received, until } = await connection(5);
    const writer = new PubackWriter();
    writer.add(client, 9, 0);
    writer.flush();
    stream.write(Buffer.from([0xe0, 0x00])); // DISCONNECT
    await until(2);
    assert.deepEqual(
      received.map((packet) => packet.cmd),
      ['puback', 'disconnect'],
    );
    stream.destroy();
  });
});
