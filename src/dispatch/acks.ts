import type { IPublishPacket } from 'mqtt';

/** Where acknowledgements go: the connection (see `Connection.ack`). */
export interface AckTransport {
  /** Changes whenever a network connection closes: acks owed on an older one are dropped. */
  readonly generation: number;
  /** Sends the PUBACK (QoS 1: with the others of this event-loop turn, in one write) or PUBCOMP (QoS 2) of `packet`. */
  ack(packet: IPublishPacket, reasonCode: number): void;
}

/** The reason code of a ticket given up: nothing is sent for it. */
const SKIP = -1;

/** One message waiting for its acknowledgement. */
export interface AckTicket {
  readonly packet: IPublishPacket;
  readonly generation: number;
  settled: boolean;
  reasonCode: number;
}

/**
 * Acknowledges QoS 1/2 messages in the order they arrived (MQTT §4.6), each once it is
 * settled: a message whose handlers finish early waits for the ones that came before it.
 * Tickets of a connection that closed are dropped, never sent on the next one: the broker
 * redelivers those messages when the session was kept, and a packet identifier may mean
 * another message on a new session.
 */
export class AckQueue {
  private tickets: AckTicket[] = [];
  private head = 0;
  private generation = -1;

  constructor(private readonly transport: AckTransport) {}

  /** Tickets not yet acknowledged (of the current connection). */
  get pending(): number {
    this.forgetStale();
    return this.tickets.length - this.head;
  }

  /** Whether `ticket` belongs to the connection up now (else its ack can never be sent). */
  isCurrent(ticket: AckTicket): boolean {
    return ticket.generation === this.transport.generation;
  }

  /** Takes a place in line for `packet` (a QoS 1/2 message just received). */
  enqueue(packet: IPublishPacket): AckTicket {
    this.forgetStale();
    const ticket: AckTicket = { packet, generation: this.generation, settled: false, reasonCode: 0 };
    this.tickets.push(ticket);
    return ticket;
  }

  /**
   * Acknowledges a QoS 1 `packet` at once, nothing waiting before it (`pending` is 0): what
   * mqtt.js would do on `done()`, through the connection's PUBACK writer instead.
   */
  ackNow(packet: IPublishPacket): void {
    this.transport.ack(packet, 0);
  }

  /** Marks `ticket` done; sends every ack at the head of the line that is now due. */
  settle(ticket: AckTicket, reasonCode = 0): void {
    ticket.settled = true;
    ticket.reasonCode = reasonCode;
    this.forgetStale();
    while (this.head < this.tickets.length && this.tickets[this.head]!.settled) {
      const due = this.tickets[this.head++]!;
      if (due.reasonCode !== SKIP) this.transport.ack(due.packet, due.reasonCode);
    }
    if (this.head === this.tickets.length) {
      this.tickets = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.tickets.length) {
      this.tickets = this.tickets.slice(this.head);
      this.head = 0;
    }
  }

  /**
   * Gives up `ticket` without acknowledging (a message not taken because the app is stopping:
   * the broker redelivers it); the acks behind it are no longer held.
   */
  skip(ticket: AckTicket): void {
    this.settle(ticket, SKIP);
  }

  private forgetStale(): void {
    if (this.transport.generation === this.generation) return;
    this.generation = this.transport.generation;
    this.tickets = [];
    this.head = 0;
  }
}
