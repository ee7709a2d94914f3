import { CONFIG_FIELDS, MqttConfig, type MqttConfigInput } from '../client/config.js';
import { type ConnectInfo, Connection, type PacketSink } from '../client/connection.js';
import type { PublishOptions } from '../client/publish-options.js';
import { Subscriber } from '../client/subscriber.js';
import { subscriptionLimitsError } from '../client/subscription-limits.js';
import { SubscriptionTable } from '../client/subscriptions.js';
import { Dispatcher } from '../dispatch/dispatcher.js';
import { forwardEvents, MqttEvents } from '../dispatch/events.js';
import { compileMethod, compileMethodCall } from '../dispatch/handler.js';
import { asError, type HookArgs, type HookFunction, type HookName, Hooks } from '../dispatch/hooks.js';
import { compose, type MiddlewareLike, type MqttMiddleware } from '../dispatch/middleware.js';
import { MiddlewareResolver, withMiddleware } from '../dispatch/pipeline.js';
import { type Route, Router } from '../dispatch/router.js';
import { controllerMiddleware, decoratedMethods, methodMiddleware } from '../dispatch/use-middleware.js';
import {
  MqttConfigError,
  MqttConnectionError,
  MqttDefinitionError,
  MqttError,
  MqttMiddlewareError,
  MqttSubscriptionError,
} from '../errors.js';
import { consoleLogger, loggableError, type MqttLogger, payloadPreview } from '../logger.js';
import { type ControllerDefinition, defineController } from '../metadata/definitions.js';
import {
  DEFAULT_MAX_QUEUED,
  overflowOption,
  pauseLimitMs,
  positiveInteger,
  receiveMaximumFor,
  timeoutOption,
} from '../metadata/flow-options.js';
import { checkOptions } from '../metadata/option-rules.js';
import { resolveShareGroup } from '../metadata/share-group.js';
import type { AckMode, Constructable, DtoValidatorOptions } from '../metadata/types.js';
import { isDtoType } from '../payload/decode.js';
import { loadDtoModules } from '../payload/dto-modules.js';
import { MqttService } from '../service/mqtt-service.js';
import type { PublishInterceptor } from '../service/publish-interceptor.js';
import { splitSharedFilter } from '../topic/index.js';
import { DeadLetters } from './dead-letter.js';
import { APP_OPTION_RULES, type MqttAppOptions } from './options.js';
import { Pausing } from './pausing.js';
import { Replier } from './reply.js';

/**
 * What `use()` takes besides middleware: a plug-in bundling middleware around handlers and an
 * interceptor around publishes (tracing does both).
 */
export interface MqttPlugin {
  readonly middleware?: MiddlewareLike;
  readonly publish?: PublishInterceptor;
  /** Called once by `use()` with the app (e.g. to read its client id). */
  readonly install?: (app: MqttApp) => void;
}

/** @internal What tests may replace: the connection (an in-memory one, in `createTestApp`). */
export interface MqttAppInternals {
  readonly connection?: (config: MqttConfig, sink: PacketSink, logger: MqttLogger) => Connection;
}

type Publish = (topic: string, payload: unknown, options: PublishOptions) => Promise<unknown>;
type State = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped';

const OPTION_HOOKS = {
  onConnect: 'connect',
  onDisconnect: 'disconnect',
  onMessage: 'message',
  onSubscribe: 'subscribe',
  onUnsubscribe: 'unsubscribe',
  onPublish: 'publish',
  onError: 'error',
} as const satisfies Record<string, HookName>;

/**
 * An MQTT application: controllers compiled into routes, one connection, the
 * subscriptions kept in step with the broker, and the `MqttService` for everything
 * done at runtime. `start()` connects and subscribes; `stop()` drains and disconnects.
 */
export class MqttApp {
  readonly config: MqttConfig;
  readonly logger: MqttLogger;
  readonly service: MqttService;
  readonly connection: Connection;
  readonly router = new Router();
  readonly hooks: Hooks;
  readonly subscriber: Subscriber;
  readonly dispatcher: Dispatcher;
  readonly ack: AckMode;
  readonly validation: DtoValidatorOptions | false;
  readonly definitions: readonly ControllerDefinition[];
  /** connect, reconnect, offline, disconnect, error, subscribe, unsubscribe, publish, publishError. */
  readonly events = new MqttEvents();
  /** The app-wide share group in force (option, else `MQTT_SHARE_GROUP`), if any. */
  readonly shareGroup: string | undefined;
  readonly deadLetters: DeadLetters;
  readonly replier: Replier;
  /** Resolves middleware classes (from the container, else `new`), one instance per class. */
  readonly middlewareResolver: MiddlewareResolver;
  /** Interceptors around every publish (`use(plugin)`), outermost first. */
  readonly publishInterceptors: PublishInterceptor[] = [];
  private readonly middlewareList: MiddlewareLike[] = [];
  private resolvedMiddleware: MqttMiddleware[] | undefined;
  /** Controller subscriptions the broker refused after `start()` resolved (a late SUBACK): `/health` reports them. */
  readonly subscriptionErrors: MqttSubscriptionError[] = [];
  /** The app-wide `handlerTimeout` (ms), if any. */
  readonly handlerTimeout: number | undefined;
  /** Controller `@Topic` subscriptions paused and resumed at runtime (`service.pause`/`resume`). */
  readonly pausing: Pausing;
  /**
   * @internal The broker's Topic Alias Maximum from the last CONNACK (0 when it announced none);
   * undefined before connecting and on MQTT 3.1.1. `publish` refuses a larger `topicAlias`.
   */
  topicAliasMaximum: number | undefined;
  private state: State = 'idle';
  private starting: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  /** Rejects when `stop()` is called: whatever `start()` awaits then gives up. */
  private readonly stopped: Promise<never>;
  private signalStop: (error: Error) => void = () => {};

  constructor(
    private readonly options: MqttAppOptions = {},
    /** @internal How the connection is made (`koa-mqtt/testing` puts an in-memory one here). */
    internals: MqttAppInternals = {},
  ) {
    this.stopped = new Promise<never>((_, reject) => {
      this.signalStop = reject;
    });
    this.stopped.catch(() => {});
    checkOptions('createMqttApp', APP_OPTION_RULES, options);
    rejectUnknownOptions(options);
    this.config = options.config ?? MqttConfig.from(pickConfig(options));
    this.logger = options.logger ?? consoleLogger;
    this.ack = options.ack ?? 'auto';
    this.validation = options.validation ?? {};
    const logPayloads = options.logPayloads ?? false;
    this.hooks = new Hooks((error, during) =>
      this.logger.error(
        { err: loggableError(error, logPayloads), handler: during },
        `unhandled error in ${during}`,
      ),
    );
    for (const [option, event] of Object.entries(OPTION_HOOKS)) {
      const fn = options[option as keyof typeof OPTION_HOOKS];
      if (fn) this.hooks.add(event, fn as HookFunction<typeof event>);
    }
    if (!options.onError) {
      this.hooks.add('error', (error, ctx) =>
        this.logger.error(
          {
            err: loggableError(error, logPayloads),
            topic: ctx?.topic,
            handler: ctx?.handler,
            ...(logPayloads && ctx ? { payload: payloadPreview(ctx.payload) } : {}),
          },
          'MQTT handler failed',
        ),
      );
    }
    this.middlewareResolver = new MiddlewareResolver(options.container);
    for (const item of options.middleware ?? []) this.use(item);
    this.shareGroup = resolveShareGroup(options.shareGroup);
    this.definitions = (options.controllers ?? []).map((target) =>
      defineController(target, { shareGroup: this.shareGroup }),
    );
    warnRepeatedPrefixes(this.definitions, this.logger);
    const publish: Publish = (topic, payload, options) => this.service.publish(topic, payload, options);
    const report = (error: Error) => void this.hooks.error(error);
    this.deadLetters = new DeadLetters(
      options.deadLetter,
      publish,
      () => this.connection.protocolVersion,
      report,
    );
    this.replier = new Replier(publish, report);
    const maxInFlight = positiveInteger('maxInFlight', options.maxInFlight, Number.POSITIVE_INFINITY);
    const maxQueued = positiveInteger('maxQueued', options.maxQueued, DEFAULT_MAX_QUEUED);
    this.handlerTimeout = timeoutOption('handlerTimeout', options.handlerTimeout);
    this.dispatcher = new Dispatcher(this.router, this.hooks, {
      maxInFlight,
      maxQueued,
      overflow: overflowOption(options.overflow),
      handlerTimeout: this.handlerTimeout,
      pauseLimit: () => pauseLimitMs(this.config.keepalive),
      ordering: options.ordering,
      acks: {
        get generation() {
          return connection.generation;
        },
        ack: (packet, reasonCode) => connection.ack(packet, reasonCode),
      },
      afterHandler: (message, route, value, error) => {
        try {
          this.replier.handle(message, route.handler!.name, value, error);
          this.deadLetters.handle(message, route, error);
        } catch (failure) {
          report(asError(failure));
        }
      },
    });
    const connection =
      internals.connection?.(this.config, this.dispatcher.onPacket, this.logger) ??
      new Connection(this.config, this.dispatcher.onPacket, this.logger, {
        incomingStore: options.incomingStore,
        outgoingStore: options.outgoingStore,
        receiveMaximum: receiveMaximumFor(maxInFlight, maxQueued),
      });
    this.connection = connection;
    this.router.identifiers = () => connection.subscriptionIdsAvailable;
    this.router.covering = () => this.subscriber.coveringMode;
    forwardEvents(this, this.events);
    this.subscriber = new Subscriber(
      new SubscriptionTable(),
      this.connection,
      this.hooks,
      this.logger,
      (subscription, error) => {
        this.service.forgetRefused(subscription.filter);
        if (this.state !== 'running') return;
        if (subscription.controllerRefs > 0 && error instanceof MqttSubscriptionError)
          this.subscriptionErrors.push(error);
        void this.hooks.error(error);
      },
    );
    this.pausing = new Pausing(this.definitions, this.router, this.subscriber, this.deadLetters);
    this.service = new MqttService(this);
  }

  /**
   * Adds app-wide middleware, run around every handler (controller and runtime ones) before
   * the controller's and the method's, in the order added; or a plug-in (`{ middleware, publish }`).
   * Only before `start()` and before the first runtime `subscribe`/`onTopic`: chains are
   * compiled once per route.
   */
  use(middleware: MiddlewareLike | MqttPlugin): this {
    if (this.resolvedMiddleware) {
      throw new MqttMiddlewareError(
        'use() must be called before start() and before the first service.subscribe()/onTopic() with a handler: middleware chains are compiled once per route',
      );
    }
    if (typeof middleware === 'function') this.middlewareList.push(middleware);
    else if (typeof middleware === 'object' && middleware !== null) {
      middleware.install?.(this);
      if (middleware.middleware) this.middlewareList.push(middleware.middleware);
      if (middleware.publish) this.publishInterceptors.push(middleware.publish);
      if (!middleware.middleware && !middleware.publish)
        throw new MqttMiddlewareError('use(plugin): the plug-in has neither middleware nor publish');
    } else {
      throw new MqttMiddlewareError(
        `use() takes a middleware function, a middleware class or a plug-in, got ${middleware === null ? 'null' : typeof middleware}`,
      );
    }
    return this;
  }

  /** The app-wide middleware, resolved; from the first call on, `use()` is closed. */
  appMiddleware(): readonly MqttMiddleware[] {
    this.resolvedMiddleware ??= this.middlewareResolver.resolve(this.middlewareList, 'use()');
    return this.resolvedMiddleware;
  }

  get running(): boolean {
    return this.state === 'running';
  }

  /** Connects, subscribes every controller topic, and resolves once the broker acknowledged them all. */
  start(): Promise<void> {
    if (this.state === 'stopping' || this.state === 'stopped') {
      return Promise.reject(new MqttError('This MQTT app was stopped; create a new one to start again'));
    }
    this.starting ??= this.boot().catch(async (error: unknown) => {
      this.state = 'stopped';
      await this.connection.close(1000).catch(() => {});
      throw error;
    });
    return this.starting;
  }

  private async boot(): Promise<void> {
    this.state = 'starting';
    if (this.usesDtos()) await loadDtoModules();
    const granted = this.mountControllers();
    // Synchronously, before the new connection's first PUBLISH is read.
    this.connection.on('connect', (info) => {
      this.dispatcher.connected(info.sessionPresent);
      void this.onReconnect(info);
    });
    this.connection.on('disconnect', (info) => void this.hooks.run('disconnect', info));
    // A refused CONNACK after start (credentials changed, client banned) ends reconnecting: report it.
    this.connection.on('error', (error) => {
      if (this.state === 'running' && error instanceof MqttConnectionError && error.reasonCode !== undefined)
        void this.hooks.error(error);
    });
    // A packet the broker refused by disconnecting, and the end of reconnecting, reach onError.
    this.connection.on('refused', (error) => void this.hooks.error(error));
    this.connection.on('gaveUp', (error) => void this.hooks.error(error));
    // A packet the broker never acknowledged (the connection is renewed to send it again).
    this.connection.on('ackTimeout', (error) => void this.hooks.error(error));
    const info = await this.untilStopped(
      this.connection.open({ retry: this.options.retryInitialConnect ?? false }),
    );
    this.readLimits(info);
    // Refused before anything is sent, naming every filter the broker does not support.
    const unsupported = subscriptionLimitsError(
      this.subscriber.table.all().map((s) => s.filter),
      info.capabilities,
    );
    if (unsupported) throw unsupported;
    this.dispatcher.connected(info.sessionPresent);
    const subscribed = this.untilStopped(
      this.subscriber.onConnect(info.sessionPresent, true).then(allOf(granted)),
    );
    if (info.sessionPresent) {
      // The broker kept our session, subscriptions included: ready once they are confirmed or after
      // a short wait, whichever comes first. A refusal after that reaches onError and /health.
      subscribed.catch(() => {});
      await Promise.race([subscribed, delay(SESSION_READY_WAIT_MS)]);
    } else {
      await subscribed;
    }
    this.state = 'running';
    warnLongClientId(this.connection.clientId, info.protocolVersion, this.logger);
    this.logger.info(
      {
        broker: this.config.brokerUrl,
        clientId: this.connection.clientId,
        protocolVersion: info.protocolVersion,
      },
      'MQTT connected',
    );
    await this.hooks.run('connect', info);
  }

  /** `promise`, or a rejection as soon as `stop()` is called. */
  private untilStopped<T>(promise: Promise<T>): Promise<T> {
    return Promise.race([promise, this.stopped]);
  }

  private readLimits(info: ConnectInfo): void {
    this.topicAliasMaximum =
      info.protocolVersion === 5 ? (info.properties?.topicAliasMaximum ?? 0) : undefined;
  }

  private async onReconnect(info: ConnectInfo): Promise<void> {
    this.readLimits(info);
    await this.subscriber.onConnect(info.sessionPresent, false);
    await this.hooks.run('connect', info);
  }

  /** Whether a handler takes a DTO class as `@Payload()`: then class-transformer/-validator are loaded. */
  private usesDtos(): boolean {
    return this.definitions.some((definition) =>
      definition.handlers.some((handler) =>
        handler.record.params.some(
          (param) => param.kind === 'payload' && !param.payload?.decoder && isDtoType(param.type),
        ),
      ),
    );
  }

  /** Instances from the container (or `new`), compiled handlers, routes and subscriptions. */
  private mountControllers(): Array<Promise<number>> {
    const granted: Array<Promise<number>> = [];
    const appMiddleware = this.appMiddleware();
    this.dispatcher.aroundFallback = appMiddleware.length > 0 ? compose(appMiddleware) : undefined;
    for (const definition of this.definitions) {
      const instance = this.instantiate(definition.target as Constructable);
      const controller = this.middlewareResolver.resolve(
        controllerMiddleware(definition.target),
        `@UseMiddleware on ${definition.name}`,
      );
      const handled = new Set(definition.handlers.map((h) => h.method));
      for (const method of decoratedMethods(definition.target)) {
        if (!handled.has(method))
          throw new MqttDefinitionError(
            `${definition.name}.${method} has @UseMiddleware but no @Topic(): middleware runs around topic handlers only`,
          );
      }
      for (const handler of definition.handlers) {
        const compiled = compileMethod(
          instance,
          handler.method,
          handler.name,
          handler.record.params,
          this.validation,
          this.logger,
        );
        const middleware = [
          ...appMiddleware,
          ...controller,
          ...this.middlewareResolver.resolve(
            methodMiddleware(definition.target, handler.method),
            `@UseMiddleware on ${handler.name}`,
          ),
        ];
        const call =
          middleware.length > 0
            ? compileMethodCall(
                instance,
                handler.method,
                handler.name,
                handler.record.params,
                this.validation,
              )
            : undefined;
        for (const route of handler.routes) {
          const filter = route.subscriptionFilter;
          const paused = this.pausing.pausedEarly(definition.target, filter, route.pattern.filter);
          // A route paused before start() is mounted without subscribing; resume() subscribes it.
          const added = paused ? undefined : this.subscriber.add(filter, route.subscription, 'controller');
          const mounted: Route = {
            handler: call
              ? withMiddleware(compiled, middleware, call, {
                  filter: route.pattern.filter,
                  shareGroup: splitSharedFilter(route.subscriptionFilter).group,
                })
              : compiled,
            pattern: route.pattern,
            subscription: added?.subscription,
            replayGeneration: added?.replayGeneration,
            ack: route.ack ?? this.ack,
            lane: this.dispatcher.laneFor(route.concurrency, route.handlerTimeout),
          };
          if (added) {
            granted.push(added.granted);
            this.router.add(mounted);
          }
          this.deadLetters.set(mounted, route.deadLetter);
          this.pausing.add(definition.target, route, mounted, paused);
        }
      }
      for (const hook of definition.hooks) {
        const method = (instance as Record<string, unknown>)[hook.method];
        if (typeof method !== 'function') continue;
        this.hooks.add(hook.event, (...args: HookArgs[typeof hook.event]) => method.apply(instance, args));
      }
    }
    return granted;
  }

  private instantiate(target: Constructable): object {
    if (!this.options.container && target.length > 0) {
      // `new Controller()` would run, and every message would then fail on an undefined dependency.
      throw new MqttDefinitionError(
        `Cannot create controller ${target.name}: its constructor takes ${target.length} parameter(s) and no container was given. Pass container (for example typedi's Container, with @Service() on ${target.name}), or give ${target.name} a constructor without parameters`,
      );
    }
    try {
      return this.options.container?.get(target) ?? new target();
    } catch (error) {
      throw new MqttDefinitionError(`Cannot create controller ${target.name}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  /**
   * Stops taking messages, waits for handlers in flight (up to `stopTimeout`), then
   * disconnects cleanly (no last will). Idempotent; safe before `start()`.
   */
  stop(): Promise<void> {
    if (this.state === 'idle') {
      this.state = 'stopped';
      return Promise.resolve();
    }
    this.stopping ??= (async () => {
      const timeout = this.options.stopTimeout ?? 10_000;
      const deadline = Date.now() + timeout;
      this.connection.abortRetry();
      if (this.state === 'starting') {
        // A start that finishes in time ends normally; one still waiting (a broker, a SUBACK)
        // at the deadline gives up and rejects.
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          this.starting?.catch(() => {}),
          new Promise<void>((resolve) => {
            timer = setTimeout(resolve, timeout);
          }),
        ]);
        clearTimeout(timer);
        if (this.state === 'starting') {
          this.signalStop(
            new MqttError(`The MQTT app was stopped while starting (stopTimeout ${timeout} ms)`),
          );
          await this.starting?.catch(() => {});
        }
      }
      if (this.state === 'stopped') return;
      this.state = 'stopping';
      const drained = await this.dispatcher.drain(Math.max(0, deadline - Date.now()));
      if (!drained) {
        this.logger.warn(
          { inFlight: this.dispatcher.inFlight, timeoutMs: timeout },
          'stopping with handlers still running',
        );
      }
      this.service.cancelRequests('The MQTT app stopped before the reply came');
      await this.connection.close(Math.max(1000, Math.min(5000, deadline - Date.now())));
      this.state = 'stopped';
    })();
    return this.stopping;
  }
}

/** Creates an MQTT app; controllers are validated and compiled now, instances are made at `start()`. */
export function createMqttApp(options: MqttAppOptions = {}): MqttApp {
  return new MqttApp(options);
}

/** The connection fields given inline in the options (`useMqtt(app, { url, … })`). */
function pickConfig(options: MqttAppOptions): MqttConfigInput {
  const picked: Record<string, unknown> = {};
  for (const field of CONFIG_FIELDS) if (options[field] !== undefined) picked[field] = options[field];
  return picked as MqttConfigInput;
}

/** An option the app does not know (a typo, `server` for `servers`) is an error, not ignored. */
function rejectUnknownOptions(options: MqttAppOptions): void {
  const known = new Set<string>([...Object.keys(APP_OPTION_RULES), ...CONFIG_FIELDS]);
  const unknown = Object.keys(options).filter(
    (key) => !known.has(key) && (options as Record<string, unknown>)[key] !== undefined,
  );
  if (unknown.length === 0) return;
  throw new MqttConfigError(
    unknown.map((field) => ({ field, problems: ['is not an option of createMqttApp / useMqtt'] })),
  );
}

/**
 * How long `start()` waits for SUBACKs when the broker kept the session: the subscriptions are
 * known to it already. (Without the session, `start()` waits for every SUBACK: since messages
 * are taken off the socket at once, a SUBACK queued behind a backlog arrives within one
 * Receive Maximum / in-flight window of messages.)
 */
const SESSION_READY_WAIT_MS = 200;

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** One warning per `@Topic` whose pattern repeats its controller's prefix. */
function warnRepeatedPrefixes(definitions: readonly ControllerDefinition[], logger: MqttLogger): void {
  for (const controller of definitions) {
    for (const handler of controller.handlers) {
      for (const route of handler.routes) {
        if (!route.repeatsPrefix) continue;
        logger.warn(
          { controller: controller.name, handler: handler.name, filter: route.subscriptionFilter },
          `${handler.name}: its @Topic pattern repeats the prefix of @MqttController, giving ${JSON.stringify(route.source)}; patterns are joined to the prefix, so leave the prefix out of the pattern if that was not meant`,
        );
      }
    }
  }
}

/** MQTT 3.1.1 §3.1.3.1: a broker must accept client ids of 1–23 bytes, and may refuse longer ones. */
const PORTABLE_CLIENT_ID_BYTES = 23;

function warnLongClientId(clientId: string, protocolVersion: number, logger: MqttLogger): void {
  const bytes = Buffer.byteLength(clientId);
  if (protocolVersion === 5 || bytes <= PORTABLE_CLIENT_ID_BYTES) return;
  logger.warn(
    { clientId, bytes },
    `client id is ${bytes} bytes; MQTT 3.1.1 brokers must accept only up to ${PORTABLE_CLIENT_ID_BYTES} (this one did, another may refuse it)`,
  );
}

/**
 * `() => Promise.all(promises)`, made outside `boot()`: a closure there would put `promises` in
 * the context that boot's long-lived listeners keep, holding one settled Promise per route for
 * the app's life.
 */
function allOf<T>(promises: ReadonlyArray<Promise<T>>): () => Promise<T[]> {
  return () => Promise.all(promises);
}
