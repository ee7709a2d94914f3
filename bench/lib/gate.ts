/**
 * A TCP relay between the subscribers under test and the broker, run in the publisher process
 * (never in the one measured), that makes each subscriber in turn the bottleneck. Every
 * subscriber connects through it once and stays connected, as a service does. `holdAll()`
 * makes it keep what the broker sends to each of them; after the publisher's burst,
 * `release(i, count)` waits until subscriber `i`'s `count` messages are all in hand and
 * writes them to it at once, then relays as before. A subscriber whose MQTT 5 Receive Maximum
 * is below the count gets what the broker sent once it goes quiet, and its acks then flow as
 * they come, so that the broker sends the rest.
 *
 * Why not a reconnect to a persistent session's backlog: the broker then hands the backlog
 * over as fast as it can write, one packet at a time; a subscriber that keeps up reads a few
 * packets per read, one that falls behind reads full buffers, and which of the two happens
 * changed from round to round. And an app made anew each round is timed while its new
 * handlers are still warming up. Both made the same candidate's cost per message move by half
 * between rounds. Here every candidate reads full buffers, with warm code, and nothing but
 * its own work sets the pace.
 */
import net from 'node:net';
import type { Packet } from 'mqtt';
import mqttPacket from 'mqtt-packet';

/** MQTT packet types (the fixed header's high nibble) that the gate counts. */
export const PUBLISH = 3;
export const PUBACK = 4;

/** Counts the MQTT packets of one type in a byte stream that arrives in arbitrary chunks. */
export class PacketCounter {
  count = 0;
  /** 0: at a fixed header byte; 1: in the remaining length; 2: in the body. */
  private state: 0 | 1 | 2 = 0;
  private length = 0;
  private shift = 0;

  constructor(private readonly type: number) {}

  feed(chunk: Buffer): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.state === 0) {
        if (chunk[i]! >> 4 === this.type) this.count++;
        this.state = 1;
        this.length = 0;
        this.shift = 0;
        i++;
      } else if (this.state === 1) {
        const byte = chunk[i++]!;
        this.length += (byte & 0x7f) * 2 ** this.shift;
        this.shift += 7;
        if ((byte & 0x80) === 0) this.state = this.length === 0 ? 0 : 2;
      } else {
        const take = Math.min(this.length, chunk.length - i);
        this.length -= take;
        i += take;
        if (this.length === 0) this.state = 0;
      }
    }
  }
}

/** The client identifier of a subscriber's CONNECT, from the first bytes it sends (mqtt-packet's parser). */
export class ConnectReader {
  private readonly parser = mqttPacket.parser();
  private clientId: string | undefined;

  constructor() {
    this.parser.on('packet', (packet: Packet) => {
      if (packet.cmd === 'connect') this.clientId ??= packet.clientId;
    });
  }

  /** The client identifier once the CONNECT is complete, else undefined. */
  feed(chunk: Buffer): string | undefined {
    this.parser.parse(chunk);
    return this.clientId;
  }
}

/** One subscriber's connection and the broker's, with what is held for it. */
class Link {
  /** What the broker sent while held; undefined: relaying. */
  private held: Buffer[] | undefined;
  /** Fed every byte from the broker, so it never starts in the middle of a packet. */
  private readonly counter = new PacketCounter(PUBLISH);
  /** `counter.count` when holding began. */
  private base = 0;
  private waiter: { count: number; release: () => void; idle?: NodeJS.Timeout } | undefined;
  /** The subscriber's PUBACKs, every byte it sends counted. */
  private readonly acks = new PacketCounter(PUBACK);
  /** `acks.count` when holding began. */
  private ackBase = 0;
  private settler: { count: number; settled: () => void; idle?: NodeJS.Timeout } | undefined;

  constructor(
    private readonly client: net.Socket,
    upstream: net.Socket,
    private readonly idleMs: number,
    /** Called once with the client identifier of the subscriber's CONNECT. */
    identified: (clientId: string) => void,
  ) {
    let connect: ConnectReader | undefined = new ConnectReader();
    client.on('data', (chunk) => {
      upstream.write(chunk);
      this.acks.feed(chunk);
      this.checkAcks();
      const clientId = connect?.feed(chunk);
      if (clientId === undefined) return;
      connect = undefined;
      identified(clientId);
    });
    upstream.on('data', (chunk) => this.fromBroker(chunk));
    upstream.on('close', () => this.flush());
  }

  hold(): void {
    if (this.held !== undefined) return;
    this.held = [];
    this.base = this.counter.count;
    this.ackBase = this.acks.count;
  }

  /**
   * Resolves once the subscriber has sent `count` PUBACKs since holding began, and they went
   * on to the broker (or once it has been quiet for the idle time: acks it never sends must
   * show in the figures, not hang the benchmark).
   */
  settle(count: number): Promise<void> {
    return new Promise((settled) => {
      this.settler = { count, settled };
      this.checkAcks();
    });
  }

  private checkAcks(): void {
    const settler = this.settler;
    if (settler === undefined) return;
    clearTimeout(settler.idle);
    if (this.acks.count - this.ackBase < settler.count) {
      settler.idle = setTimeout(() => this.settled(), this.idleMs);
      return;
    }
    this.settled();
  }

  private settled(): void {
    const settler = this.settler;
    this.settler = undefined;
    clearTimeout(settler?.idle);
    settler?.settled();
  }

  /** Resolves once `count` PUBLISH packets were held and written to the subscriber (or the broker went quiet). */
  release(count: number): Promise<void> {
    return new Promise((release) => {
      this.waiter = { count, release };
      this.check();
    });
  }

  private fromBroker(chunk: Buffer): void {
    this.counter.feed(chunk);
    if (this.held === undefined) {
      this.client.write(chunk);
      return;
    }
    this.held.push(chunk);
    this.check();
  }

  private check(): void {
    const waiter = this.waiter;
    if (waiter === undefined) return;
    if (this.counter.count - this.base >= waiter.count) this.flush();
    else {
      // The broker went quiet short of the count: the subscriber's Receive Maximum (MQTT 5)
      // lets it send no more before acks, or messages were lost (they must show, not hang).
      clearTimeout(waiter.idle);
      waiter.idle = setTimeout(() => this.flush(), this.idleMs);
    }
  }

  /** Writes what is held to the subscriber (the whole backlog, or what came before the broker went quiet). */
  private flush(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    clearTimeout(waiter?.idle);
    if (this.held !== undefined) {
      // The subscriber's acks are read and relayed as they come, as a broker would. Left in
      // its socket until the next round, they filled the receive buffer after about 4,200
      // PUBACKs, and from then on a subscriber's writes only queued, at half the cost: its
      // figure then depended on the drain's length.
      if (this.held.length > 0) this.client.write(Buffer.concat(this.held));
      this.held = undefined;
    }
    waiter?.release();
  }
}

export class BacklogGate {
  /** By client identifier (the last connection of each). */
  private readonly links = new Map<string, Link>();
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    private readonly server: net.Server,
    private readonly broker: { host: string; port: number },
    private readonly idleMs: number,
  ) {
    server.on('connection', (client) => {
      const upstream = net.connect({ ...this.broker, noDelay: true });
      this.pair(client, upstream);
      this.pair(upstream, client);
      const link: Link = new Link(client, upstream, this.idleMs, (clientId) => {
        this.links.set(clientId, link);
        client.once('close', () => {
          if (this.links.get(clientId) === link) this.links.delete(clientId);
        });
      });
    });
  }

  /** `idleMs`: how long the broker may stay quiet before a release gives what it has. */
  static async listen(brokerUrl: string, idleMs = 300): Promise<BacklogGate> {
    const { hostname, port } = new URL(brokerUrl);
    const server = net.createServer({ noDelay: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return new BacklogGate(server, { host: hostname, port: Number(port) }, idleMs);
  }

  get url(): string {
    return `mqtt://127.0.0.1:${(this.server.address() as net.AddressInfo).port}`;
  }

  /**
   * What every subscriber connected so far wrote during its drain goes on to the broker, and
   * from now on what the broker sends to them is kept.
   */
  holdAll(): void {
    for (const link of this.links.values()) link.hold();
  }

  /** Hands the subscriber connected as `clientId` its held messages once `count` are in. */
  release(clientId: string, count: number): Promise<void> {
    return this.link(clientId).release(count);
  }

  /** Resolves once the subscriber connected as `clientId` has sent `count` PUBACKs this round (see `Link.settle`). */
  settle(clientId: string, count: number): Promise<void> {
    return this.link(clientId).settle(count);
  }

  private link(clientId: string): Link {
    const link = this.links.get(clientId);
    if (link === undefined) throw new Error(`gate: no subscriber ${clientId} connected`);
    return link;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Either side closing closes the other. */
  private pair(socket: net.Socket, other: net.Socket): void {
    this.sockets.add(socket);
    socket.on('error', () => other.destroy());
    socket.on('close', () => {
      this.sockets.delete(socket);
      other.end();
    });
  }
}
