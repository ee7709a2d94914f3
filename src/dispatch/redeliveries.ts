import type { IPublishPacket } from 'mqtt';
import type { Delivery } from './delivery.js';

/** What is kept of one unacknowledged delivery. */
interface Entry {
  readonly delivery: Delivery;
  /** The connection (its `AckTransport.generation`) it arrived on. */
  readonly generation: number;
  /** The connection on which a copy last joined it (-1: none). */
  joinedOn: number;
  /**
   * Its handlers ran to the end but its ack could not be sent (the connection had closed): the
   * reason code its copy is acknowledged with. Undefined while it is being handled.
   */
  finished: number | undefined;
  /** Reconnections since it finished (a finished entry whose copy never came is dropped at the second). */
  reconnects: number;
}

/**
 * The QoS 1/2 messages not acknowledged yet, so that a copy the broker sends again (after a
 * reconnect with a kept session, or NATS's `ack_wait`) joins the run in progress instead of
 * starting a second one, and is acknowledged with it. A copy is recognised:
 * - by packet identifier, topic and payload: the broker cannot give an unacknowledged
 *   identifier to another message, and MQTT has it resend with the same identifier;
 * - else, for a broker that numbers its resent messages afresh on the new connection
 *   (RabbitMQ 3.10: DUP set, identifiers from 1 again), by content: a copy with DUP set, the
 *   same topic, QoS and payload as a message that arrived on an earlier connection, is still
 *   unacknowledged and has not been joined on this connection yet. DUP is what makes it safe:
 *   a server never forwards a publisher's DUP flag (MQTT 3.3.1.1), so DUP on an incoming
 *   message means this server sent that message before; and each message is joined by one
 *   copy per connection, so two distinct messages with the same content both run.
 * A message of an earlier connection already joined on this one is not matched again by
 * identifier either: a broker that renumbers may give its identifier to a new message.
 * Forgotten when a connection starts without the session, since the identifiers then start
 * afresh and nothing is resent.
 */
export class Redeliveries {
  private readonly byId = new Map<number, Entry>();
  private readonly entries = new Map<Delivery, Entry>();

  /** @param generation the current connection (`AckTransport.generation`). */
  constructor(private readonly generation: () => number) {}

  get size(): number {
    return this.entries.size;
  }

  /** The unacknowledged delivery `packet` is a copy of, if any; it is then marked joined. */
  find(packet: IPublishPacket): Delivery | undefined {
    if (this.entries.size === 0) return undefined;
    const now = this.generation();
    const entry =
      (packet.messageId === undefined ? undefined : this.byIdentifier(packet, now)) ??
      (packet.dup ? this.byContent(packet, now) : undefined);
    if (entry === undefined) return undefined;
    entry.joinedOn = now;
    return entry.delivery;
  }

  remember(delivery: Delivery): void {
    const entry: Entry = {
      delivery,
      generation: this.generation(),
      joinedOn: -1,
      finished: undefined,
      reconnects: 0,
    };
    this.entries.set(delivery, entry);
    const id = delivery.message.packet.messageId;
    if (id !== undefined) this.byId.set(id, entry);
  }

  forget(delivery: Delivery): void {
    const entry = this.entries.get(delivery);
    if (entry === undefined) return;
    this.entries.delete(delivery);
    const id = delivery.message.packet.messageId;
    if (id !== undefined && this.byId.get(id) === entry) this.byId.delete(id);
  }

  /**
   * `delivery` was handled to the end while the connection its ack was owed on had closed: kept,
   * so that the copy the broker sends on the new connection is acknowledged (with `reasonCode`)
   * and not run again.
   */
  finished(delivery: Delivery, reasonCode: number): void {
    const entry = this.entries.get(delivery);
    if (entry !== undefined) entry.finished = reasonCode;
  }

  /** Forgets a finished `delivery` whose copy came; returns the reason code to ack the copy with. */
  takeFinished(delivery: Delivery): number {
    const reasonCode = this.entries.get(delivery)?.finished ?? 0;
    this.forget(delivery);
    return reasonCode;
  }

  /**
   * A connection came up with the session kept: the broker resends what we did not acknowledge
   * first thing. A finished entry still waiting after a second reconnection is not coming back.
   */
  reconnected(): void {
    for (const entry of this.entries.values()) {
      if (entry.finished !== undefined && ++entry.reconnects > 1) this.forget(entry.delivery);
    }
  }

  clear(): void {
    this.byId.clear();
    this.entries.clear();
  }

  private byIdentifier(packet: IPublishPacket, now: number): Entry | undefined {
    const entry = this.byId.get(packet.messageId!);
    if (entry === undefined || !live(entry) || !sameMessage(entry.delivery, packet)) return undefined;
    if (entry.generation !== now && entry.joinedOn === now) return undefined;
    return entry;
  }

  private byContent(packet: IPublishPacket, now: number): Entry | undefined {
    for (const entry of this.entries.values()) {
      if (entry.generation === now || entry.joinedOn === now || !live(entry)) continue;
      if (entry.delivery.message.packet.qos === packet.qos && sameMessage(entry.delivery, packet))
        return entry;
    }
    return undefined;
  }
}

/** Still handled, or handled to the end with its ack not sent. */
function live(entry: Entry): boolean {
  return !entry.delivery.acked || entry.finished !== undefined;
}

function sameMessage(delivery: Delivery, packet: IPublishPacket): boolean {
  const earlier = delivery.message.packet;
  if (earlier.topic !== packet.topic) return false;
  const a = earlier.payload;
  const b = packet.payload;
  if (typeof a === 'string' || typeof b === 'string') return String(a) === String(b);
  return a.equals(b);
}
