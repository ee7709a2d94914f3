import type { IPublishPacket } from 'mqtt';
import type { QoS } from '../metadata/types.js';
import type { InboundMessage } from '../payload/message.js';
import { MessageView } from '../payload/message-view.js';

export type TopicParams = Readonly<Record<string, string>>;

/**
 * What a handler knows about the message it handles: `@Ctx()`, or the only argument of a
 * handler with no parameter decorators.
 */
export class MqttContext extends MessageView {
  constructor(
    message: InboundMessage,
    /** Named parameters of the pattern that matched (`+deviceId` → `params.deviceId`). */
    readonly params: TopicParams,
    /** `Class.method` (or the runtime filter) of the handler running. */
    readonly handler: string,
  ) {
    super(message, handler);
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

  get responseTopic(): string | undefined {
    return this.message.responseTopic;
  }

  get correlationData(): Buffer | undefined {
    return this.message.correlationData;
  }
}
