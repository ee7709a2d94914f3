import type { InboundMessage } from '../payload/message.js';
import { MessageView } from '../payload/message-view.js';
import { REPLY_ERROR_CODE_PROPERTY, REPLY_ERROR_PROPERTY } from '../payload/reply-properties.js';

/** The answer to `MqttService.request`: the reply message, decoded on demand. */
export class MqttReply extends MessageView {
  constructor(message: InboundMessage) {
    super(message, 'MqttService.request');
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
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
