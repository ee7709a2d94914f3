import type { MqttClient, Packet } from 'mqtt';

/** The part of a socket this needs (net.Socket, tls.TLSSocket; websocket streams may lack it). */
interface Corkable {
  cork?: () => void;
  uncork?: () => void;
}

/**
 * Writes the PUBRECs of one burst of QoS 2 messages in one system call. mqtt.js handles the
 * packets of one socket read one per tick and writes each PUBREC at once. The socket is corked
 * at the first QoS 2 PUBLISH of a burst and uncorked once the ticks of that read are over
 * (`setImmediate`), so the PUBRECs leave together, before the next read is handled. QoS 1
 * PUBACKs are ours to send, and `PubackWriter` writes them without corking.
 */
export function batchPubrecs(client: MqttClient): void {
  let corked: Corkable | undefined;
  const uncork = () => {
    const stream = corked;
    corked = undefined;
    stream?.uncork?.();
  };
  client.on('packetreceive', (packet: Packet) => {
    if (corked !== undefined || packet.cmd !== 'publish' || packet.qos !== 2) return;
    const stream = client.stream as Corkable | undefined;
    if (typeof stream?.cork !== 'function' || typeof stream.uncork !== 'function') return;
    stream.cork();
    corked = stream;
    setImmediate(uncork);
  });
}

/** PUBACK's fixed header byte (MQTT 3.1.1 §3.4, MQTT 5 §3.4). */
const PUBACK = 0x40;

/**
 * Writes the PUBACKs owed in one event-loop turn as one buffer, in one write, once the turn's
 * messages are handled (`setImmediate`: before the next socket read). mqtt.js would write each
 * PUBACK as three `stream.write` calls; a backlog of small QoS 1 messages then spent most of
 * its CPU time there. Corking the socket instead kept three objects per PUBACK alive until the
 * uncork, thousands per read; V8 saw them survive its scavenges and moved that allocation to
 * the old generation, after which a process drained QoS 1 messages about 15 % slower, in some
 * processes and not others (measured in bench/README.md). Here the packet identifiers and
 * reason codes wait in two typed arrays, reused from turn to turn: nothing per PUBACK
 * outlives it.
 *
 * The bytes are those mqtt.js writes: `40 02 id` (MQTT 3.1.1, or MQTT 5 with reason code 0),
 * `40 04 id code 00` (MQTT 5 with another reason code, property length 0). Each PUBACK is also
 * emitted as `packetsend`, as mqtt.js does, for the packet log and the refusal watch; a packet
 * mqtt.js writes meanwhile goes after them (`watch`), so the order on the wire is the order
 * things were sent in. PUBACKs owed on a network connection that closed meanwhile are dropped,
 * never written on the next (the broker redelivers those messages when it kept the session).
 */
export class PubackWriter {
  private ids = new Uint16Array(1024);
  private codes = new Uint8Array(1024);
  private count = 0;
  private client: MqttClient | undefined;
  private stream: MqttClient['stream'] | undefined;
  private scheduled = false;

  /**
   * Keeps the order of what `client` writes: any other packet mqtt.js is about to write
   * (`packetsend` is emitted just before) goes after the PUBACKs owed so far. Without it, a
   * SUBSCRIBE sent by a handler's caller in the same turn left before the PUBACK of the message
   * that came first, and Mosquitto then sent the retained copies of that SUBSCRIBE before its
   * SUBACK.
   */
  watch(client: MqttClient): void {
    client.on('packetsend', () => {
      if (this.count > 0 && this.client === client) this.flush();
    });
  }

  /** Queues the PUBACK of `messageId` on `client`'s current connection. */
  add(client: MqttClient, messageId: number, reasonCode: number): void {
    if (this.count > 0 && (client !== this.client || client.stream !== this.stream)) this.flush();
    this.client = client;
    this.stream = client.stream;
    if (this.count === this.ids.length) this.grow();
    this.ids[this.count] = messageId;
    this.codes[this.count] = reasonCode;
    this.count++;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flush);
    }
  }

  /** Writes what is queued (or drops it when its connection is gone). */
  readonly flush = (): void => {
    this.scheduled = false;
    const { client, stream, count } = this;
    this.count = 0;
    if (count === 0 || client === undefined || stream === undefined) return;
    if (!client.connected || client.stream !== stream) return;
    const v5 = client.options.protocolVersion === 5;
    const { ids, codes } = this;
    let size = 0;
    for (let i = 0; i < count; i++) size += v5 && codes[i] !== 0 ? 6 : 4;
    const bytes = Buffer.allocUnsafe(size);
    let at = 0;
    for (let i = 0; i < count; i++) {
      const id = ids[i]!;
      const code = v5 ? codes[i]! : 0;
      bytes[at] = PUBACK;
      bytes[at + 1] = code === 0 ? 2 : 4;
      bytes[at + 2] = id >> 8;
      bytes[at + 3] = id & 0xff;
      if (code !== 0) {
        bytes[at + 4] = code;
        bytes[at + 5] = 0;
        at += 6;
      } else at += 4;
      const packet: Packet =
        code === 0 ? { cmd: 'puback', messageId: id } : { cmd: 'puback', messageId: id, reasonCode: code };
      client.emit('packetsend', packet);
    }
    stream.write(bytes);
  };

  private grow(): void {
    const ids = new Uint16Array(this.ids.length * 2);
    const codes = new Uint8Array(this.codes.length * 2);
    ids.set(this.ids);
    codes.set(this.codes);
    this.ids = ids;
    this.codes = codes;
  }
}
