import type { IPublishPacket } from 'mqtt';
import type { QoS } from '../metadata/types.js';
import type { InboundMessage, UserProperties } from './message.js';
import { jsonOf, textOf } from './payload.js';

export type TopicParams = Readonly<Record<string, string>>;

/**
 * What a handler knows about the message it handles: `@Ctx()`, or the only argument of a
 * handler with no parameter decorators.
 */
export class MqttContext {
  constructor(
    /** The shared message (the same object for every handler it reaches). */
    readonly message: InboundMessage,
    /** Named parameters of the pattern that matched (`+deviceId` → `params.deviceId`). */
    readonly params: TopicParams,
    /** `Class.method` (or the runtime filter) of the handler running. */
    readonly handler: string,
  ) {}

  get topic(): string {
    return this.message.topic;
  }

  /** The raw payload bytes. */
  get payload(): Buffer {
    return this.message.payload;
  }

  get qos(): QoS {
    return this.message.qos;
  }

  get retain(): boolean {
    return this.message.retain;
  }

  get dup(): boolean {
    return this.message.dup;
  }

  get packet(): IPublishPacket {
    return this.message.packet;
  }

  /** MQTT 5 properties (undefined on 3.1.1). */
  get properties(): IPublishPacket['properties'] {
    return this.message.properties;
  }

  get contentType(): string | undefined {
    return this.message.contentType;
  }

  get responseTopic(): string | undefined {
    return this.message.responseTopic;
  }

  get correlationData(): Buffer | undefined {
    return this.message.correlationData;
  }

  get userProperties(): UserProperties | undefined {
    return this.message.userProperties;
  }

  /** The payload as UTF-8 text. */
  text(): string {
    return textOf(this.message);
  }

  /** The payload parsed as JSON (parsed once per message); throws `PayloadValidationError` on bad JSON. */
  json<T = unknown>(): T {
    return jsonOf(this.message, this.handler) as T;
  }
}
