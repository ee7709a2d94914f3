import type { IPublishPacket } from 'mqtt';
import type { QoS } from '../metadata/types.js';

/** MQTT 5 user properties as mqtt.js gives them. */
export type UserProperties = Record<string, string | string[]>;

/**
 * One received PUBLISH, shared by every handler it reaches. Decoded forms of the
 * payload are computed once per message and cached here (see `decoded`).
 */
export class InboundMessage {
  readonly topic: string;
  readonly packet: IPublishPacket;
  /** `topic.split('/')`, computed once for routing and parameter extraction. */
  readonly levels: readonly string[];
  private cache: Map<unknown, unknown> | undefined;

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
    this.cache ??= new Map();
    if (this.cache.has(key)) return this.cache.get(key) as T;
    const value = decode();
    this.cache.set(key, value);
    return value;
  }
}
