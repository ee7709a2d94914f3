import type { IPublishPacket } from 'mqtt';
import type { QoS } from '../metadata/types.js';

/** MQTT 5 user properties as mqtt.js gives them. */
export type UserProperties = Record<string, string | string[]>;

/** What `InboundMessage.cached` gives for a form not decoded yet. */
export const NOT_DECODED: unique symbol = Symbol('not decoded');

/**
 * One received PUBLISH, shared by every handler it reaches. Decoded forms of the
 * payload are computed once per message and cached here (see `decoded`).
 */
export class InboundMessage {
  readonly topic: string;
  readonly packet: IPublishPacket;
  /** `topic.split('/')`, computed once for routing and parameter extraction. */
  readonly levels: readonly string[];
  // Two forms in fields (the text and one decoded value: nearly every message), more in a Map.
  private key0: unknown = NOT_DECODED;
  private value0: unknown;
  private key1: unknown = NOT_DECODED;
  private value1: unknown;
  private more: Map<unknown, unknown> | undefined;

  constructor(packet: IPublishPacket) {
    this.packet = packet;
    this.topic = packet.topic;
    this.levels = packet.topic.split('/');
  }

  get payload(): Buffer {
    return this.packet.payload as Buffer;
  }

  get qos(): QoS {
    return this.packet.qos;
  }

  get retain(): boolean {
    return this.packet.retain;
  }

  get dup(): boolean {
    return this.packet.dup;
  }

  get properties(): NonNullable<IPublishPacket['properties']> | undefined {
    return this.packet.properties;
  }

  /** MQTT 5 content type, if the publisher set one. */
  get contentType(): string | undefined {
    return this.packet.properties?.contentType;
  }

  get responseTopic(): string | undefined {
    return this.packet.properties?.responseTopic;
  }

  get correlationData(): Buffer | undefined {
    return this.packet.properties?.correlationData;
  }

  get userProperties(): UserProperties | undefined {
    return this.packet.properties?.userProperties;
  }

  /** Decodes once per message per `key`; later calls with the same key return the cached value. */
  decoded<T>(key: unknown, decode: () => T): T {
    const cached = this.cached(key);
    if (cached !== NOT_DECODED) return cached as T;
    const value = decode();
    this.remember(key, value);
    return value;
  }

  /** The form cached under `key`, or `NOT_DECODED`. */
  cached(key: unknown): unknown {
    if (this.key0 === key) return this.value0;
    if (this.key1 === key) return this.value1;
    const more = this.more;
    return more?.has(key) ? more.get(key) : NOT_DECODED;
  }

  /** Caches `value` under `key` (not cached yet). */
  remember(key: unknown, value: unknown): void {
    if (this.key0 === NOT_DECODED) {
      this.key0 = key;
      this.value0 = value;
    } else if (this.key1 === NOT_DECODED) {
      this.key1 = key;
      this.value1 = value;
    } else {
      this.more ??= new Map();
      this.more.set(key, value);
    }
  }
}
