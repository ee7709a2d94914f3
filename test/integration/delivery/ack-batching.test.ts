import 'reflect-metadata';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { it } from 'node:test';
import type { Packet } from 'mqtt';
import mqttPacket from 'mqtt-packet';
import { MqttController, Payload, Topic } from '../../../src/index.js';
import { faultKit } from '../../helpers/fault-kit.js';
import { describeMosquitto } from '../../helpers/mosquitto-available.js';
import { publishNumbered, rawPublisher } from '../../helpers/numbered.js';
import { Recorder } from '../../helpers/recorder.js';

const COUNT = 400;

/** Every write the app's socket makes from now on, as the MQTT packets each one carried. */
function recordWrites(socket: Socket, protocolVersion: 4 | 5): Packet[][] {
  const writes: Packet[][] = [];
  const parse = (buffers: Buffer[]) => {
    const parser = mqttPacket.parser({ protocolVersion });
    const packets: Packet[] = [];
    parser.on('packet', (packet: Packet) => packets.push(packet));
    parser.parse(Buffer.concat(buffers));
    writes.push(packets);
  };
  type Chunk = { chunk: Buffer | string };
  const spied = socket as Socket & {
    _write(chunk: Buffer, encoding: string, cb: (error?: Error | null) => void): void;
    _writev(chunks: Chunk[], cb: (error?: Error | null) => void): void;
  };
  const write = spied._write.bind(socket);
  const writev = spied._writev.bind(socket);
  spied._write = (chunk, encoding, cb) => {
    parse([Buffer.from(chunk)]);
    write(chunk, encoding, cb);
  };
  spied._writev = (chunks, cb) => {
    parse(chunks.map(({ chunk }) => Buffer.from(chunk)));
    writev(chunks, cb);
  };
  return writes;
}

describeMosquitto('acknowledgements of a burst leave in few writes (Mosquitto)', () => {
  const { pool, broker, app } = faultKit();

  for (const protocolVersion of [5, 4] as const) {
    it(`MQTT ${protocolVersion === 5 ? '5' : '3.1.1'}: ${COUNT} QoS 1 PUBACKs, in arrival order, in far fewer writes than messages`, async () => {
      const mosquitto = await broker();
      const seen = new Recorder<string>();
      @MqttController('burst')
      class Burst {
        @Topic('+', { qos: 1 })
        on(@Payload() body: string) {
          seen.record(body);
        }
      }
      const subscriber = app({
        url: mosquitto.url,
        protocolVersion,
        clientId: `ack-batching-${protocolVersion}-${process.pid}`,
        controllers: [Burst],
      });
      await subscriber.start();
      const client = subscriber.connection.client!;
      const writes = recordWrites(client.stream as Socket, protocolVersion);
      const arrived: number[] = [];
      client.on('packetreceive', (packet: Packet) => {
        if (packet.cmd === 'publish' && packet.qos === 1) arrived.push(packet.messageId!);
      });

      const publisher = await pool.connect(mosquitto.url);
      await publishNumbered(rawPublisher(publisher), 'burst/n', { count: COUNT, window: 200 });
      await seen.waitFor(COUNT, 20_000);
      // The last PUBACKs leave at the end of the event-loop turn that handled their messages.
      await new Promise<void>((resolve) => setImmediate(resolve));

      const acked = writes.flatMap((packets) =>
        packets.filter((packet) => packet.cmd === 'puback').map((packet) => packet.messageId),
      );
      const ackWrites = writes.filter((packets) => packets.some((packet) => packet.cmd === 'puback'));
      console.log(`MQTT ${protocolVersion}: ${COUNT} PUBACKs in ${ackWrites.length} writes`);
      assert.equal(arrived.length, COUNT, 'every message arrived once');
      assert.deepEqual(acked, arrived, 'one PUBACK per message, in arrival order');
      assert.ok(
        ackWrites.length <= COUNT / 4,
        `${COUNT} PUBACKs in ${ackWrites.length} writes (at most ${COUNT / 4} expected)`,
      );
      assert.equal(subscriber.service.connected, true);
    });
  }
});
