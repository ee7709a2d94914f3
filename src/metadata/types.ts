/**
 * class-validator's `ValidatorOptions`, written out here so that the types of koa-mqtt do not
 * need class-validator installed (it is an optional peer dependency, needed only for DTOs).
 */
export interface DtoValidatorOptions {
  enableDebugMessages?: boolean;
  skipUndefinedProperties?: boolean;
  skipNullProperties?: boolean;
  skipMissingProperties?: boolean;
  /** Strip properties without a class-validator decorator. */
  whitelist?: boolean;
  /** Reject properties without a class-validator decorator (needs `whitelist`). */
  forbidNonWhitelisted?: boolean;
  groups?: string[];
  always?: boolean;
  strictGroups?: boolean;
  dismissDefaultMessages?: boolean;
  validationError?: { target?: boolean; value?: boolean };
  forbidUnknownValues?: boolean;
  stopAtFirstError?: boolean;
}

/**
 * What the decorators record. Records are raw: they are validated and compiled into
 * definitions once, at bootstrap (see `runtime/definitions.ts`).
 */

/** A class of any constructor shape. */
// Constructor parameters are the container's business: `never[]` accepts every constructor.
export type Constructable<T = object> = new (...args: never[]) => T;

export type QoS = 0 | 1 | 2;

/** A payload's declared type: a class-validator DTO class, or `String`, `Number`, `Boolean`, `Buffer`… */
export type PayloadType =
  | StringConstructor
  | NumberConstructor
  | BooleanConstructor
  | typeof Buffer
  | Uint8ArrayConstructor
  | ArrayConstructor
  | ObjectConstructor
  | Constructable;

/**
 * When an incoming QoS 1/2 message is acknowledged to the broker.
 * - `auto`: on receipt, before handlers run (what mqtt.js does by default).
 * - `after-handler`: only once every matching handler has settled.
 */
export type AckMode = 'auto' | 'after-handler';

/** Options of a subscription, as `@Topic` and `MqttService.subscribe` take them. */
export interface SubscriptionOptions {
  /** Maximum QoS the broker may deliver with. Default 0. */
  readonly qos?: QoS | undefined;
  /**
   * Shared-subscription group: the broker spreads messages over the group's members.
   * `false` opts out of an app-wide or controller-wide group (broadcast handlers).
   */
  readonly share?: string | false | undefined;
  /** MQTT 5: do not receive messages this client published itself. */
  readonly noLocal?: boolean | undefined;
  /** MQTT 5: keep the RETAIN flag as published instead of clearing it. */
  readonly retainAsPublished?: boolean | undefined;
  /** MQTT 5: 0 send retained messages on subscribe, 1 only for a new subscription, 2 never. */
  readonly retainHandling?: 0 | 1 | 2 | undefined;
}

/** Options of `@Topic`. */
export interface TopicOptions extends SubscriptionOptions {
  /** Acknowledgement mode for this handler; default is the app's. */
  readonly ack?: AckMode | undefined;
  /**
   * Where this handler's undecodable or invalid messages go (overrides the app's `deadLetter`);
   * `false` turns the app's dead-letter topic off for this handler.
   */
  readonly deadLetter?: DeadLetterOptions | string | false | undefined;
  /**
   * Documentation only (the AsyncAPI document of `koa-mqtt/asyncapi`): the type of what this
   * handler returns to MQTT 5 requests. Needed for `async` handlers; a synchronous handler's
   * declared return class is read from its type metadata.
   */
  readonly reply?: PayloadType | undefined;
  /** Documentation only: one line for the AsyncAPI operation. */
  readonly summary?: string | undefined;
  /** Documentation only: free text for the AsyncAPI operation. */
  readonly description?: string | undefined;
  /** Most runs of this handler at once (within the app's `maxInFlight`). Default: no limit of its own. */
  readonly concurrency?: number | undefined;
  /**
   * ms after which a run of this handler is failed with `MqttHandlerTimeoutError` (its slot is
   * freed; the run itself cannot be stopped). Overrides the controller's and the app's; 0: none.
   */
  readonly handlerTimeout?: number | undefined;
}

/** A dead-letter topic: it receives messages a handler could not decode or validate. */
export interface DeadLetterOptions {
  readonly topic: string;
  /** QoS of the dead-letter publish. Default 1. */
  readonly qos?: QoS | undefined;
  /** Also dead-letter messages whose handler threw or rejected. Default false. */
  readonly handlerErrors?: boolean | undefined;
}

/** Options of `@MqttController`. */
export interface ControllerOptions {
  /** Shared-subscription group for every `@Topic` of this controller (`false`: none). */
  readonly share?: string | false | undefined;
  /** Default QoS for this controller's topics. */
  readonly qos?: QoS | undefined;
  /** `handlerTimeout` (ms) of this controller's handlers, unless a `@Topic` sets its own; 0: none. */
  readonly handlerTimeout?: number | undefined;
}

/** Decodes raw payload bytes into what a handler parameter receives. */
export type PayloadDecoder<T = unknown> = (payload: Buffer, context: DecoderContext) => T;

/** What a custom decoder may look at besides the bytes. */
export interface DecoderContext {
  readonly topic: string;
  readonly contentType: string | undefined;
}

/** Options of `@Payload`. */
export interface PayloadOptions {
  /**
   * The parameter's type, when decorator metadata cannot say it (code built with tsx, esbuild or
   * Vitest, or without `emitDecoratorMetadata`): `String`, `Number`, `Boolean`, `Buffer`, `Array`,
   * `Object` (any JSON) or a DTO class. Wins over the declared type.
   */
  readonly type?: Function | undefined;
  /** A custom decoder; wins over the declared parameter type. */
  readonly decoder?: PayloadDecoder | undefined;
  /**
   * Validate a class-validator DTO: `false` skips it, an options object is merged over the
   * app's `validation` options. Default: validate with the app's options.
   */
  readonly validate?: boolean | DtoValidatorOptions | undefined;
  /** Strip properties without a class-validator decorator (class-validator `whitelist`). */
  readonly whitelist?: boolean | undefined;
  /** Reject properties without a class-validator decorator (needs `whitelist`). */
  readonly forbidNonWhitelisted?: boolean | undefined;
}

export type ParamKind = 'payload' | 'topic-param' | 'params' | 'packet' | 'context' | 'topic';

/** One decorated handler parameter. */
export interface ParamRecord {
  readonly index: number;
  readonly kind: ParamKind;
  /** The parameter name, for `@TopicParam(name)`. */
  readonly name?: string;
  /** The type: `@Payload({ type })`, else the declared one (from `design:paramtypes`), for payload decoding. */
  readonly type?: unknown;
  /** False when the class carries no decorator metadata and no type was given explicitly. */
  readonly typeKnown: boolean;
  readonly payload?: PayloadOptions;
}

/** One `@Topic` on a method. */
export interface TopicRecord {
  readonly pattern: string;
  readonly options: TopicOptions;
}

/** A decorated method. */
export interface HandlerRecord {
  readonly method: string;
  readonly topics: TopicRecord[];
  readonly params: ParamRecord[];
}

/** Lifecycle events a controller method can listen to. */
export type HookEvent =
  | 'connect'
  | 'disconnect'
  | 'message'
  | 'everyMessage'
  | 'subscribe'
  | 'unsubscribe'
  | 'publish'
  | 'error';

export interface HookRecord {
  readonly event: HookEvent;
  readonly method: string;
}

/** Everything recorded on one class (not its bases). */
export interface ClassRecord {
  controller?: { readonly prefix: string; readonly options: ControllerOptions };
  readonly handlers: Map<string, HandlerRecord>;
  readonly hooks: HookRecord[];
}
