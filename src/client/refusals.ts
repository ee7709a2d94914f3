import type { IDisconnectPacket, MqttClient, Packet } from 'mqtt';

/** A packet of ours the broker has not answered yet (or, QoS 0, not shown to have processed). */
export interface SentPacket {
  readonly cmd: 'publish' | 'subscribe' | 'unsubscribe' | 'pingreq';
  readonly messageId: number | undefined;
  readonly qos: number;
  /** The topic of a PUBLISH. */
  readonly topic: string | undefined;
  /** The filters of a SUBSCRIBE / UNSUBSCRIBE. */
  readonly filters: readonly string[];
  sentAt: number;
  /** QoS 0 publishes sent in a row are kept as one entry (the latest), counted here. */
  count: number;
}

/** The broker refused one of our packets by ending the connection. */
export interface Refusal {
  readonly packet: SentPacket;
  /** MQTT 5 DISCONNECT reason code; undefined when the broker just closed the socket. */
  readonly reasonCode: number | undefined;
  readonly reasonString: string | undefined;
  /** How many connections in a row ended right after this packet (1 with a DISCONNECT reason). */
  readonly closes: number;
}

/**
 * DISCONNECT reason codes that refuse the packet just received (MQTT 5 §3.14.2.1), as opposed to
 * ones about the connection (server shutting down, session taken over, keep alive timeout…) or
 * flow control (receive maximum, quota), after which resending is right.
 */
const REFUSING = new Set([0x81, 0x82, 0x83, 0x87, 0x90, 0x94, 0x95, 0x99, 0x9a, 0x9b, 0x9e, 0xa1, 0xa2]);

/** A close this long after our packet is no longer "within the same exchange". */
const EXCHANGE_WINDOW_MS = 3000;

/** MQTT 3.1.1 brokers give no reason: a packet is refused when two connections in a row end right after it. */
const CLOSES_TO_REFUSE = 2;

/**
 * Finds the packet a broker refused by ending the connection, so that it is not resent on
 * every reconnect (mqtt.js resends stored QoS 1/2 packets; our subscriber resends pending
 * subscriptions). A broker handles packets in order and answers each request before the next,
 * so the culprit is the oldest packet of ours still unanswered when the connection ends:
 * - MQTT 5: the broker says so, with a DISCONNECT whose reason code refuses a packet
 *   (0x95 packet too large, 0x9A retain not supported, 0x9B QoS not supported, 0x9E, …): the
 *   oldest unanswered packet is refused at once;
 * - MQTT 3.1.1 (or a close without DISCONNECT): a close within the same exchange (a few seconds
 *   after that packet, with no answer to it) is counted; the second such close in a row after
 *   the same packet refuses it. A single network failure therefore never refuses anything.
 */
export class RefusalWatch {
  private readonly strikes = new Map<string, number>();
  /** The next close is ours (the ack watchdog renewing the connection), not the broker's. */
  private ours = false;

  constructor(private readonly onRefused: (refusal: Refusal) => void) {}

  /** We are closing the connection ourselves: its close refuses nothing. */
  closingOnPurpose(): void {
    this.ours = true;
  }

  /** Follows one mqtt.js client for its whole life (all its reconnects). */
  watch(client: MqttClient): void {
    let unanswered: SentPacket[] = [];
    let refusedNow = false;
    client.on('packetsend', (packet: Packet) => {
      const sent = describe(packet);
      if (!sent) return;
      const last = unanswered[unanswered.length - 1];
      if (sent.cmd === 'publish' && sent.qos === 0 && last?.cmd === 'publish' && last.qos === 0) {
        // A QoS 0 flood would otherwise grow the list until the next answer: keep the latest.
        sent.count = last.count + 1;
        unanswered[unanswered.length - 1] = sent;
      } else unanswered.push(sent);
    });
    client.on('packetreceive', (packet: Packet) => {
      switch (packet.cmd) {
        case 'puback':
        case 'pubrec':
          unanswered = answered(unanswered, 'publish', packet.messageId, this.strikes);
          break;
        case 'suback':
          unanswered = answered(unanswered, 'subscribe', packet.messageId, this.strikes);
          break;
        case 'unsuback':
          unanswered = answered(unanswered, 'unsubscribe', packet.messageId, this.strikes);
          break;
        case 'pingresp':
          unanswered = answered(unanswered, 'pingreq', undefined, this.strikes);
          break;
        case 'disconnect': {
          const code = (packet as IDisconnectPacket).reasonCode;
          const culprit = unanswered.find((p) => p.cmd !== 'pingreq');
          if (code !== undefined && REFUSING.has(code) && culprit) {
            refusedNow = true;
            this.strikes.delete(keyOf(culprit));
            this.onRefused({
              packet: culprit,
              reasonCode: code,
              reasonString: (packet as IDisconnectPacket).properties?.reasonString,
              closes: 1,
            });
          }
          break;
        }
      }
    });
    client.on('close', () => {
      const culprit = unanswered.find((p) => p.cmd !== 'pingreq');
      unanswered = [];
      if (refusedNow || this.ours) {
        refusedNow = false;
        this.ours = false;
        return;
      }
      if (!culprit || Date.now() - culprit.sentAt > EXCHANGE_WINDOW_MS) return;
      const key = keyOf(culprit);
      const closes = (this.strikes.get(key) ?? 0) + 1;
      // A QoS 0 publish is never resent: report it at once (it cannot loop, but it was lost).
      if (closes < CLOSES_TO_REFUSE && !(culprit.cmd === 'publish' && culprit.qos === 0)) {
        this.strikes.set(key, closes);
        return;
      }
      this.strikes.delete(key);
      this.onRefused({ packet: culprit, reasonCode: undefined, reasonString: undefined, closes });
    });
  }
}

function describe(packet: Packet): SentPacket | undefined {
  const sentAt = Date.now();
  switch (packet.cmd) {
    case 'publish':
      return {
        cmd: 'publish',
        messageId: packet.messageId,
        qos: packet.qos,
        topic: packet.topic,
        filters: [],
        sentAt,
        count: 1,
      };
    case 'subscribe':
      return {
        cmd: 'subscribe',
        messageId: packet.messageId,
        qos: 1,
        topic: undefined,
        filters: packet.subscriptions.map((s) => s.topic),
        sentAt,
        count: 1,
      };
    case 'unsubscribe':
      return {
        cmd: 'unsubscribe',
        messageId: packet.messageId,
        qos: 1,
        topic: undefined,
        filters: [...packet.unsubscriptions],
        sentAt,
        count: 1,
      };
    case 'pingreq':
      return {
        cmd: 'pingreq',
        messageId: undefined,
        qos: 0,
        topic: undefined,
        filters: [],
        sentAt,
        count: 1,
      };
    default:
      return undefined;
  }
}

/**
 * The broker answered packet `cmd`/`messageId`: it and everything sent before it were processed
 * (a broker handles packets in order), so they are no longer suspects.
 */
function answered(
  unanswered: SentPacket[],
  cmd: SentPacket['cmd'],
  messageId: number | undefined,
  strikes: Map<string, number>,
): SentPacket[] {
  const index = unanswered.findIndex((p) => p.cmd === cmd && p.messageId === messageId);
  if (index < 0) return unanswered;
  if (strikes.size > 0) for (let i = 0; i <= index; i++) strikes.delete(keyOf(unanswered[i]!));
  // In order: the answer is nearly always to the first packet.
  if (index === 0) {
    unanswered.shift();
    return unanswered;
  }
  return unanswered.slice(index + 1);
}

/** Identifies a packet across its resends: mqtt.js resends a stored PUBLISH with its packet identifier. */
export function keyOf(packet: SentPacket): string {
  return packet.cmd === 'publish' && packet.qos > 0
    ? `publish:${packet.messageId}`
    : `${packet.cmd}:${packet.topic ?? ''}:${packet.filters.join('\n')}`;
}
