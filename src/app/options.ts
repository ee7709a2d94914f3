import type { IStore } from 'mqtt';
import type { MqttConfig, MqttConfigInput } from '../client/config.js';
import type { HookArgs } from '../dispatch/hooks.js';
import type { MiddlewareLike } from '../dispatch/middleware.js';
import type { Ordering } from '../dispatch/ordering.js';
import type { MqttLogger } from '../logger.js';
import type { Overflow } from '../metadata/flow-options.js';
import { ACK_RULE, HANDLER_TIMEOUT_RULE, MAX_TIMER_MS, type Rule, rules } from '../metadata/option-rules.js';
import type { AckMode, Constructable, DeadLetterOptions, DtoValidatorOptions } from '../metadata/types.js';

/** Where controller instances come from: typedi's `Container` fits, as does routing-controllers' `useContainer` one. */
export interface ControllerContainer {
  get<T>(someClass: Constructable<T>): T;
}

/** Everything `createMqttApp` / `useMqtt` take. Connection fields may be given inline or as `config`. */
export interface MqttAppOptions extends MqttConfigInput {
  /** A ready config (e.g. `MqttConfig.fromEnv()`); inline connection fields are ignored when set. */
  config?: MqttConfig | undefined;
  /** The controller classes, each with `@MqttController()`. */
  controllers?: Constructable[] | undefined;
  /** Resolves controllers (constructor injection); without one, controllers are created with `new`. */
  container?: ControllerContainer | undefined;
  /**
   * App-wide middleware around every handler (see `MqttApp.use`), in order; also resolves
   * middleware classes from `container`.
   */
  middleware?: MiddlewareLike[] | undefined;
  /** pino-shaped logger; default: warnings and errors to stderr. */
  logger?: MqttLogger | undefined;
  /**
   * App-wide shared-subscription group for controller topics (`$share/{group}/…`); `@MqttController`
   * and `@Topic` `share` override it (`false` opts out). Default: the `MQTT_SHARE_GROUP`
   * environment variable, if set; `false` ignores it.
   */
  shareGroup?: string | false | undefined;
  /** Let log records quote payloads (in payload validation errors). Default false. */
  logPayloads?: boolean | undefined;
  /** Default acknowledgement mode of handlers. Default `auto`. */
  ack?: AckMode | undefined;
  /**
   * Most handler runs at once, app-wide, across reconnects and redeliveries; messages past it
   * wait in a local queue (see `maxQueued`) while the connection keeps reading. Also sets the
   * MQTT 5 Receive Maximum (`maxInFlight + maxQueued`, at most 65,535). Default unlimited.
   */
  maxInFlight?: number | undefined;
  /**
   * Messages received and waiting for a slot, per QoS class (0, and 1/2). Past it, QoS 0 messages
   * are dropped (`overflow`) and, for QoS 1/2 (a broker that sends beyond the Receive Maximum or
   * MQTT 3.1.1's in-flight window), reading pauses briefly (at most a quarter of the keepalive at
   * a time). Default 1000. See docs/delivery.md.
   */
  maxQueued?: number | undefined;
  /** Which QoS 0 message is dropped when `maxQueued` are waiting: `drop-oldest` (default) or `drop-newest`. */
  overflow?: Overflow | undefined;
  /**
   * ms after which a handler run is failed with `MqttHandlerTimeoutError` (to `onError`), its
   * slot freed and, with `after-handler`, the message acknowledged as failed. The run itself
   * cannot be stopped. `@MqttController`, `@Topic` and `subscribe` options override it. Default: none.
   */
  handlerTimeout?: number | undefined;
  /**
   * `per-topic`: one handler's messages on the same topic are handled one after another, in
   * arrival order (different topics still run concurrently). Default `none`.
   */
  ordering?: Ordering | undefined;
  /**
   * mqtt.js store of outgoing QoS 1/2 packets not yet acknowledged (default: in memory). A
   * persistent one keeps publishes made offline, and in flight, across a restart of the process.
   */
  outgoingStore?: IStore | undefined;
  /** mqtt.js store of incoming QoS 2 packets between PUBREC and PUBREL (default: in memory). */
  incomingStore?: IStore | undefined;
  /** class-validator options for `@Payload()` DTOs, or `false` to skip validation. Default `{}`. */
  validation?: DtoValidatorOptions | false | undefined;
  /**
   * Topic that receives messages a handler could not decode or validate (see docs/payloads.md);
   * `@Topic(…, { deadLetter })` overrides it per handler. Default: none.
   */
  deadLetter?: DeadLetterOptions | string | undefined;
  /**
   * Keep trying the first connection while the broker is unreachable (with the reconnect
   * backoff) instead of rejecting `start()`; a refusal (bad credentials) still rejects at once.
   * Default false; `useMqtt(…, { connectInBackground: true })` turns it on.
   */
  retryInitialConnect?: boolean | undefined;
  /** ms `stop()` waits for handlers in flight before disconnecting anyway. Default 10000. */
  stopTimeout?: number | undefined;
  onConnect?: ((...args: HookArgs['connect']) => unknown) | undefined;
  onDisconnect?: ((...args: HookArgs['disconnect']) => unknown) | undefined;
  /** Messages no handler matched (Flask-MQTT's `on_message`). */
  onMessage?: ((...args: HookArgs['message']) => unknown) | undefined;
  onSubscribe?: ((...args: HookArgs['subscribe']) => unknown) | undefined;
  onUnsubscribe?: ((...args: HookArgs['unsubscribe']) => unknown) | undefined;
  onPublish?: ((...args: HookArgs['publish']) => unknown) | undefined;
  /** Handler and hook errors. Default: logged with topic and handler name. */
  onError?: ((...args: HookArgs['error']) => unknown) | undefined;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  (typeof value === 'object' || typeof value === 'function') && value !== null;
const hasMethods =
  (...names: string[]) =>
  (value: unknown): boolean =>
    isObject(value) && names.every((name) => typeof value[name] === 'function');

/**
 * The rule of every option of `MqttAppOptions` that is not a connection field (those are
 * checked by `MqttConfig.from`): `createMqttApp` and `useMqtt` throw `MqttOptionError` for the
 * first one broken. `shareGroup` and `deadLetter` contents are checked where they are resolved.
 */
export const APP_OPTION_RULES = {
  config: { text: 'an MqttConfig (MqttConfig.from(…) or MqttConfig.fromEnv())', test: isObject },
  controllers: {
    text: 'an array of controller classes',
    test: (v) => Array.isArray(v) && v.every((c) => typeof c === 'function'),
  },
  container: { text: "a container with a get(Class) method (typedi's Container)", test: hasMethods('get') },
  middleware: {
    text: 'an array of middleware functions (ctx, next) or classes with use(ctx, next)',
    test: (v) => Array.isArray(v) && v.every((m) => typeof m === 'function'),
  },
  logger: {
    text: 'a logger with debug, info, warn and error methods (pino)',
    test: hasMethods('debug', 'info', 'warn', 'error'),
  },
  shareGroup: rules.either(rules.string, rules.oneOf([false])),
  logPayloads: rules.boolean,
  ack: ACK_RULE,
  maxInFlight: rules.integer(1, Number.MAX_SAFE_INTEGER, 'a positive integer'),
  maxQueued: rules.integer(1, Number.MAX_SAFE_INTEGER, 'a positive integer'),
  overflow: rules.oneOf(['drop-oldest', 'drop-newest']),
  handlerTimeout: HANDLER_TIMEOUT_RULE,
  ordering: rules.oneOf(['none', 'per-topic']),
  outgoingStore: { text: 'an mqtt.js Store', test: isObject },
  incomingStore: { text: 'an mqtt.js Store', test: isObject },
  validation: rules.either(rules.oneOf([false]), rules.object),
  deadLetter: rules.either(rules.string, rules.object),
  retryInitialConnect: rules.boolean,
  stopTimeout: rules.integer(0, MAX_TIMER_MS, 'an integer number of ms from 0 to 2,147,483,647'),
  onConnect: rules.function,
  onDisconnect: rules.function,
  onMessage: rules.function,
  onSubscribe: rules.function,
  onUnsubscribe: rules.function,
  onPublish: rules.function,
  onError: rules.function,
} as const satisfies Record<Exclude<keyof MqttAppOptions, keyof MqttConfigInput>, Rule>;
