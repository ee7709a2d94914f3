import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { Recorder } from './recorder.js';

/** Acknowledgements a broker sends, by MQTT control packet type (the high nibble of the first byte). */
const ACK_TYPES = { puback: 4, pubrec: 5, pubcomp: 7, suback: 9, unsuback: 11 } as const;
export type AckType = keyof typeof ACK_TYPES;

export interface DroppedAck {
  readonly type: AckType;
  readonly messageId: number;
  /** The number of the client connection it was dropped on (1 for the first). */
  readonly connection: number;
}

/**
 * A TCP proxy in front of a real broker that passes every byte through, except the
 * acknowledgements it was told to swallow: a broker that silently drops a packet (as NATS does
 * during a JetStream leader election) while the connection stays alive. It splits the broker's
 * side into MQTT packets by their fixed header; the client's side is piped untouched.
 */
export class AckDroppingProxy {
  /** Every ack swallowed, in order. */
  readonly dropped = new Recorder<DroppedAck>();
  /** Client connections accepted, in order (1, 2, …). */
  readonly connections = new Recorder<number>();
  private readonly toDrop = new Map<number, number>();
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;
  private port = 0;

  private constructor(
    private readonly brokerHost: string,
    private readonly brokerPort: number,
  ) {}

  /** Listens on a free loopback port in front of `brokerUrl` (`mqtt://host:port`). */
  static async start(brokerUrl: string): Promise<AckDroppingProxy> {
    const target = new URL(brokerUrl);
    const proxy = new AckDroppingProxy(target.hostname, Number(target.port || 1883));
    await proxy.listen();
    return proxy;
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  /** Swallows the next `count` acknowledgements of `type` the broker sends (on any connection). */
  drop(type: AckType, count = 1): void {
    const code = ACK_TYPES[type];
    this.toDrop.set(code, (this.toDrop.get(code) ?? 0) + count);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private listen(): Promise<void> {
    const server = createServer((client) => this.accept(client));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        this.port = (server.address() as { port: number }).port;
        resolve();
      });
    });
  }

  private accept(client: Socket): void {
    const number = this.connections.count + 1;
    this.connections.record(number);
    const broker = createConnection({ host: this.brokerHost, port: this.brokerPort });
    client.setNoDelay(true);
    broker.setNoDelay(true);
    for (const socket of [client, broker]) {
      this.sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => {
        this.sockets.delete(socket);
        client.destroy();
        broker.destroy();
      });
    }
    client.pipe(broker);
    let pending: Buffer = Buffer.alloc(0);
    broker.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      for (;;) {
        const length = packetLength(pending);
        if (length === undefined || pending.length < length) break;
        const packet = pending.subarray(0, length);
        pending = pending.subarray(length);
        if (!this.swallow(packet, number)) client.write(packet);
      }
    });
  }

  private swallow(packet: Buffer, connection: number): boolean {
    const code = packet[0]! >> 4;
    const left = this.toDrop.get(code) ?? 0;
    if (left === 0) return false;
    this.toDrop.set(code, left - 1);
    const type = (Object.keys(ACK_TYPES) as AckType[]).find((t) => ACK_TYPES[t] === code)!;
    // The packet identifier follows the fixed header (first byte and the remaining-length bytes).
    let offset = 1;
    while (packet[offset]! & 0x80) offset++;
    this.dropped.record({ type, messageId: packet.readUInt16BE(offset + 1), connection });
    return true;
  }
}

/** The whole length of the MQTT packet at the start of `buffer`, or undefined if its header is incomplete. */
function packetLength(buffer: Buffer): number | undefined {
  let remaining = 0;
  for (let i = 1; i <= 4; i++) {
    if (buffer.length <= i) return undefined;
    const byte = buffer[i]!;
    remaining += (byte & 0x7f) * 128 ** (i - 1);
    if ((byte & 0x80) === 0) return 1 + i + remaining;
  }
  throw new Error('malformed MQTT remaining length from the broker');
}
