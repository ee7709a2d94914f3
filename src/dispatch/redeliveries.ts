import type { IPublishPacket } from 'mqtt';
import type { Delivery } from './delivery.js';

/**
 * The QoS 1/2 messages not acknowledged yet, by packet identifier. The broker cannot give an
 * identifier to another message before we acknowledge it, so a PUBLISH (or QoS 2 PUBREL) with
 * the identifier and topic of one of these is a redelivery of it (after a reconnect with a kept
 * session): it joins the earlier delivery instead of starting a second run, and is
 * acknowledged with it. Forgotten when a connection starts without the session, since the
 * identifiers then start afresh.
 */
export class Redeliveries {
  private readonly byId = new Map<number, Delivery>();

  get size(): number {
    return this.byId.size;
  }

  /** The unacknowledged delivery `packet` is a copy of, if any. */
  find(packet: IPublishPacket): Delivery | undefined {
    if (packet.messageId === undefined || this.byId.size === 0) return undefined;
    const earlier = this.byId.get(packet.messageId);
    return earlier !== undefined && !earlier.acked && earlier.message.topic === packet.topic
      ? earlier
      : undefined;
  }

  remember(delivery: Delivery): void {
    const id = delivery.message.packet.messageId;
    if (id !== undefined) this.byId.set(id, delivery);
  }

  forget(delivery: Delivery): void {
    const id = delivery.message.packet.messageId;
    if (id !== undefined && this.byId.get(id) === delivery) this.byId.delete(id);
  }

  clear(): void {
    this.byId.clear();
  }
}
