import type { IPublishPacket } from 'mqtt';
import { jsonOf, textOf } from './decode.js';
import type { InboundMessage, UserProperties } from './message.js';

/**
 * A read-only view of a received message, decoded on demand (text and JSON once per message).
 * `MqttContext` (what a handler gets) and `MqttReply` (what `request()` resolves) build on it.
 */
export class MessageView {
  constructor(
    /** The shared message (the same object for every handler it reaches). */
    readonly message: InboundMessage,
    /** Who reads it, named in a `PayloadValidationError` from `json()`. */
    private readonly reader: string,
  ) {}

  get topic(): string {
    return this.message.topic;
  }

  /** The raw payload bytes. */
  get payload(): Buffer {
    return this.message.payload;
  }

  /** MQTT 5 properties (undefined on 3.1.1). */
  get properties(): IPublishPacket['properties'] {
    return this.message.properties;
  }

  get contentType(): string | undefined {
    return this.message.contentType;
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
    return jsonOf(this.message, this.reader) as T;
  }
}
