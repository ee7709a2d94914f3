import type { IStore } from 'mqtt';
import type { MqttConfig, MqttConfigInput } from '../client/config.js';
import type { HookArgs } from '../dispatch/hooks.js';
import type { Ordering } from '../dispatch/ordering.js';
import type { MqttLogger } from '../logger.js';
import type { AckMode, Constructable, DeadLetterOptions, DtoValidatorOptions } from '../metadata/types.js';

/** Where controller instances come from: typedi's `Container` fits, as does routing-controllers' `useContainer` one. */
export interface ControllerContainer {
  get<T>(someClass: Constructable<T>): T;
}

/** Everything `createMqttApp` / `useMqtt` take. Connection fields may be given inline or as `config`. */
export interface MqttAppOptions extends MqttConfigInput {
  /** A ready config (e.g. `MqttConfig.fromEnv()`); inline connection fields are ignored when set. */
  config?: MqttConfig;
  /** The controller classes, each with `@MqttController()`. */
  controllers?: Constructable[];
  /** Resolves controllers (constructor injection); without one, controllers are created with `new`. */
  container?: ControllerContainer;
  /** pino-shaped logger; default: warnings and errors to stderr. */
  logger?: MqttLogger;
  /**
   * App-wide shared-subscription group for controller topics (`$share/{group}/…`); `@MqttController`
   * and `@Topic` `share` override it (`false` opts out). Default: the `MQTT_SHARE_GROUP`
   * environment variable, if set; `false` ignores it.
   */
  shareGroup?: string | false;
  /** Let log records quote payloads (in payload validation errors). Default false. */
  logPayloads?: boolean;
  /** Default acknowledgement mode of handlers. Default `auto`. */
  ack?: AckMode;
  /** Most handler executions at once; when reached, reading from the broker pauses. Default unlimited. */
  maxInFlight?: number;
  /**
   * `per-topic`: messages on the same topic are handled one after another, in arrival order
   * (different topics still run concurrently); messages waiting count toward `maxInFlight`.
   * Default `none`.
   */
  ordering?: Ordering;
  /**
   * mqtt.js store of outgoing QoS 1/2 packets not yet acknowledged (default: in memory). A
   * persistent one keeps publishes made offline, and in flight, across a restart of the process.
   */
  outgoingStore?: IStore;
  /** mqtt.js store of incoming QoS 2 packets between PUBREC and PUBREL (default: in memory). */
  incomingStore?: IStore;
  /** class-validator options for `@Payload()` DTOs, or `false` to skip validation. Default `{}`. */
  validation?: DtoValidatorOptions | false;
  /**
   * Topic that receives messages a handler could not decode or validate (see docs/payloads.md);
   * `@Topic(…, { deadLetter })` overrides it per handler. Default: none.
   */
  deadLetter?: DeadLetterOptions | string;
  /**
   * Keep trying the first connection while the broker is unreachable (with the reconnect
   * backoff) instead of rejecting `start()`; a refusal (bad credentials) still rejects at once.
   * Default false; `useMqtt(…, { connectInBackground: true })` turns it on.
   */
  retryInitialConnect?: boolean;
  /** ms `stop()` waits for handlers in flight before disconnecting anyway. Default 10000. */
  stopTimeout?: number;
  onConnect?: (...args: HookArgs['connect']) => unknown;
  onDisconnect?: (...args: HookArgs['disconnect']) => unknown;
  /** Messages no handler matched (Flask-MQTT's `on_message`). */
  onMessage?: (...args: HookArgs['message']) => unknown;
  onSubscribe?: (...args: HookArgs['subscribe']) => unknown;
  onUnsubscribe?: (...args: HookArgs['unsubscribe']) => unknown;
  onPublish?: (...args: HookArgs['publish']) => unknown;
  /** Handler and hook errors. Default: logged with topic and handler name. */
  onError?: (...args: HookArgs['error']) => unknown;
}
