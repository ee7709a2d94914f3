import type { IPublishPacket } from 'mqtt';
import type { QoS } from '../metadata/types.js';
import type { InboundMessage } from '../payload/message.js';
import { MessageView } from '../payload/message-view.js';

export type TopicParams = Readonly<Record<string, string>>;

/**
 * What middleware and handlers share about one handling of a message (`ctx.state`). Extend it
 * by declaration merging: `declare module 'koa-mqtt' { interface MqttState { user: User } }`.
 */
export interface MqttState {
  [key: string]: unknown;
}

/** The route a context runs for: the filter it was declared with, and its share group if any. */
export interface MqttRouteInfo {
  /** The route's filter without `$share/{group}/` and parameter names (`sensors/+/temperature`). */
  readonly filter: string;
  /** Shared-subscription group of the route's subscription, if any. */
  readonly shareGroup: string | undefined;
}

/**
 * What a handler knows about the message it handles: `@Ctx()`, or the only argument of a
 * handler with no parameter decorators. Middleware receives the same object the handler does.
 * `P`: the parameters' type, from the pattern string where TypeScript sees it
 * (`service.subscribe('devices/+id/#rest', (ctx) => ctx.params.id)`: `{ id: string; rest: string }`).
 */
export class MqttContext<P extends TopicParams = TopicParams> extends MessageView {
  private ownState: MqttState | undefined;

  constructor(
    message: InboundMessage,
    /** Named parameters of the pattern that matched (`+deviceId` → `params.deviceId`). */
    readonly params: P,
    /** `Class.method` (or the runtime filter) of the handler running. */
    readonly handler: string,
    /** The route running (set for handlers that run middleware; see docs/middleware.md). */
    readonly route?: MqttRouteInfo,
  ) {
    super(message, handler);
  }

  /**
   * An object of this handling of the message, for middleware to pass data to the handler
   * (and to later middleware), as Koa's `ctx.state`. Each handler a message reaches has its own.
   */
  get state(): MqttState {
    this.ownState ??= {};
    return this.ownState;
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
