import type { MqttClient, Packet } from 'mqtt';
import { MqttAckTimeoutError } from '../errors.js';

/** Default `MqttConfig.ackTimeout`, ms. */
export const DEFAULT_ACK_TIMEOUT = 30_000;

/** The acknowledgement each packet type of ours waits for (PUBREC answers a QoS 2 PUBLISH). */
const ACKED_BY: Readonly<Record<string, string>> = {
  puback: 'publish',
  pubrec: 'publish',
  pubcomp: 'pubrel',
  suback: 'subscribe',
  unsuback: 'unsubscribe',
};

interface Waiting {
  /** When it was written on this connection, or the connection's CONNACK if later. */
  readonly at: number;
  readonly packet: Packet;
}

/**
 * Finds a packet of ours the broker never acknowledged on a connection that is otherwise alive
 * (its PINGRESPs come, so keepalive never notices). MQTT allows resending a PUBLISH only on a
 * new connection, so without this a QoS 1/2 publish, a SUBSCRIBE or an UNSUBSCRIBE the broker
 * silently dropped would never settle (NATS drops the PUBLISH while the JetStream stream that
 * stores MQTT messages elects a leader, and keeps the connection open).
 *
 * Per packet it records the time mqtt.js wrote it (and forgets it on its ack); the table is in
 * sending order, so the oldest is its first entry. One timer, armed for when that entry would be
 * late, looks at it; a late packet calls `onLate` once, and the table is emptied when the
 * connection closes (mqtt.js resends what it stored once the next CONNACK came, and those
 * packets are timed from then). Only packets mqtt.js wrote to the socket count: one waiting
 * offline or for a Receive Maximum slot is not late.
 */
export class AckWatchdog {
  private readonly waiting = new Map<number, Waiting>();
  private timer: NodeJS.Timeout | undefined;
  private connackAt = 0;
  private fired = false;
  private stopped = false;

  constructor(
    private readonly client: MqttClient,
    private readonly timeoutMs: number,
    /** Whether `onLate` closes the connection (reconnects are on): said in the error. */
    private readonly reconnecting: boolean,
    private readonly onLate: (error: MqttAckTimeoutError) => void,
    /** An acknowledgement arrived (the broker answers again after a timeout). */
    private readonly onAck: () => void,
  ) {
    client.on('packetsend', this.sent);
    client.on('packetreceive', this.received);
    client.on('close', this.closed);
  }

  /** Packets written on this connection and not acknowledged yet. */
  get unacknowledged(): number {
    return this.waiting.size;
  }

  stop(): void {
    this.stopped = true;
    this.closed();
    this.client.off('packetsend', this.sent);
    this.client.off('packetreceive', this.received);
    this.client.off('close', this.closed);
  }

  private readonly sent = (packet: Packet): void => {
    const id = packet.messageId;
    if (id === undefined) return;
    switch (packet.cmd) {
      case 'publish':
        if (packet.qos === 0) return;
        break;
      case 'pubrel':
      case 'subscribe':
      case 'unsubscribe':
        break;
      default:
        return; // our PUBACK/PUBREC/PUBCOMP of an incoming message: nothing answers it
    }
    // A PUBREL replaces its PUBLISH under the same id: delete first, so it goes to the end.
    this.waiting.delete(id);
    this.waiting.set(id, { at: Date.now(), packet });
    this.arm();
  };

  private readonly received = (packet: Packet): void => {
    const id = packet.messageId;
    if (id === undefined || ACKED_BY[packet.cmd] === undefined) {
      // mqtt.js emits `connect` only after it has resent its stored packets: take the CONNACK.
      if (packet.cmd === 'connack') this.connackAt = Date.now();
      return;
    }
    const waiting = this.waiting.get(id);
    if (waiting?.packet.cmd !== ACKED_BY[packet.cmd]) return;
    this.waiting.delete(id);
    if (this.fired) {
      this.fired = false;
      this.onAck();
    }
  };

  private readonly closed = (): void => {
    this.waiting.clear();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  };

  private readonly check = (): void => {
    this.timer = undefined;
    if (this.stopped) return;
    const oldest = this.waiting.values().next().value;
    if (!oldest) return;
    const now = Date.now();
    const since = Math.max(oldest.at, this.connackAt);
    if (since + this.timeoutMs > now) {
      this.arm();
      return;
    }
    this.fired = true;
    const { packet } = oldest;
    const error = new MqttAckTimeoutError(
      packet.cmd as MqttAckTimeoutError['packet'],
      packet.messageId ?? 0,
      describeTarget(packet),
      now - since,
      this.waiting.size,
      this.timeoutMs,
      this.reconnecting,
    );
    // Reported once: everything late now is in this report (`onLate` normally closes the
    // connection, which empties the table; with reconnects off it stays open, and these
    // packets are no longer watched). What is not late yet keeps its own deadline.
    for (const [id, waiting] of this.waiting) {
      if (Math.max(waiting.at, this.connackAt) + this.timeoutMs > now) break;
      this.waiting.delete(id);
    }
    this.onLate(error);
    this.arm();
  };

  /** One timer for the oldest packet's deadline (the table is in sending order). */
  private arm(): void {
    if (this.timer || this.stopped) return;
    const oldest = this.waiting.values().next().value;
    if (!oldest) return;
    const left = Math.max(oldest.at, this.connackAt) + this.timeoutMs - Date.now();
    this.timer = setTimeout(this.check, Math.max(0, left)).unref();
  }
}

function describeTarget(packet: Packet): string | undefined {
  switch (packet.cmd) {
    case 'publish':
      return packet.topic;
    case 'subscribe':
      return packet.subscriptions.map((s) => s.topic).join(', ');
    case 'unsubscribe':
      return packet.unsubscriptions.join(', ');
    default:
      return undefined;
  }
}
