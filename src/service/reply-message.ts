import type { IPublishPacket } from 'mqtt';
import type { InboundMessage, UserProperties } from '../runtime/message.js';
import { jsonOf, textOf } from '../runtime/payload.js';
import { REPLY_ERROR_CODE_PROPERTY, REPLY_ERROR_PROPERTY } from '../runtime/reply.js';

/** The answer to `MqttService.request`: the reply message, decoded on demand. */
export class MqttReply {
  constructor(private readonly message: InboundMessage) {}

  /** The response topic it arrived on. */
  get topic(): string {
    return this.message.topic;
  }

  /** The raw payload bytes. */
  get payload(): Buffer {
    return this.message.payload;
  }

  /** MQTT 5 properties of the reply. */
  get properties(): IPublishPacket['properties'] {
    return this.message.properties;
  }

  get userProperties(): UserProperties | undefined {
    return this.message.userProperties;
  }

  get contentType(): string | undefined {
    return this.message.contentType;
  }

  /** True when the responder's handler failed (the reply carries `koa-mqtt-error`). */
  get isError(): boolean {
    return this.error !== undefined;
  }

  /** The responder's error message, for an error reply. */
  get error(): string | undefined {
    return single(this.message.userProperties?.[REPLY_ERROR_PROPERTY]);
  }

  /** The responder's error code (e.g. `ERR_MQTT_PAYLOAD`), for an error reply. */
  get errorCode(): string | undefined {
    return single(this.message.userProperties?.[REPLY_ERROR_CODE_PROPERTY]);
  }

  /** The payload as UTF-8 text. */
  text(): string {
    return textOf(this.message);
  }

  /** The payload parsed as JSON; throws `PayloadValidationError` on bad JSON. */
  json<T = unknown>(): T {
    return jsonOf(this.message, 'MqttService.request') as T;
  }
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
