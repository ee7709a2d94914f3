import type { IClientPublishOptions, MqttClient } from 'mqtt';
import type { BrokerCapabilities } from '../client/capabilities.js';
import type { ProtocolVersion } from '../client/connection.js';
import type { PublishOptions } from '../client/publish-options.js';
import { subscriptionLimitsError } from '../client/subscription-limits.js';
import type { SubscriptionInfo } from '../client/subscriptions.js';
import type { MqttEvents } from '../dispatch/events.js';
import { type CompiledHandler, compileFunction, type MessageHandler } from '../dispatch/handler.js';
import type { MiddlewareLike } from '../dispatch/middleware.js';
import { withMiddleware } from '../dispatch/pipeline.js';
import type { Route } from '../dispatch/router.js';
import { MqttDefinitionError, MqttOptionError, MqttProtocolError, MqttUsageError, quote } from '../errors.js';
import { resolveSubscription } from '../metadata/definitions.js';
import { positiveInteger, timeoutOption } from '../metadata/flow-options.js';
import {
  checkOptions,
  checkValue,
  RUNTIME_SUBSCRIPTION_RULES,
  rules,
  showPattern,
} from '../metadata/option-rules.js';
import type { AckMode, PayloadType, QoS, SubscriptionOptions } from '../metadata/types.js';
import { encodePayload } from '../payload/encode.js';
import {
  parsePattern,
  shareFilter,
  splitSharedFilter,
  type TopicParamsOf,
  type TopicPattern,
  validateTopicName,
} from '../topic/index.js';
import { MqttPublisher } from './mqtt-publisher.js';
import { intercept } from './publish-interceptor.js';
import { checkPublishOptions, checkTopicAlias } from './publish-properties.js';
import type { PublishResult } from './publish-result.js';
import {
  definePublisher,
  type PayloadOf,
  type PublisherDefinition,
  type PublisherOptions,
} from './publisher.js';
import type { MqttReply } from './reply-message.js';
import { Requester, type RequestOptions } from './requester.js';
import type { MqttServiceHost, PauseTarget } from './service-host.js';

export type { PublishResult } from './publish-result.js';

export interface RuntimeSubscribeOptions extends SubscriptionOptions {
  readonly ack?: AckMode | undefined;
  /** Middleware around this handler, after the app's (`use`); see docs/middleware.md. */
  readonly middleware?: readonly MiddlewareLike[] | undefined;
  /** Most runs of this handler at once (within the app's `maxInFlight`). Default: no limit of its own. */
  readonly concurrency?: number | undefined;
  /** ms after which a run of this handler fails with `MqttHandlerTimeoutError`; 0: none. Default: the app's. */
  readonly handlerTimeout?: number | undefined;
}

/** Options of `onTopic`. */
export interface OnTopicOptions {
  /** Middleware around this handler, after the app's (`use`). */
  readonly middleware?: readonly MiddlewareLike[] | undefined;
}

export interface SubscribeResult {
  /** The filter as sent to the broker (`$share/…` included). */
  readonly filter: string;
  /** The QoS the broker granted. */
  readonly qos: QoS;
}

/**
 * What an app does with MQTT at runtime: publish, subscribe and unsubscribe (with or without
 * a handler), inspect what is subscribed. One per app, injectable (`ctx.mqtt`, the DI container).
 */
export class MqttService {
  /** Runtime routes by subscription filter. */
  private readonly runtime = new Map<string, Route[]>();
  private requester: Requester | undefined;
  private readonly declared = new Map<string, MqttPublisher>();

  constructor(
    /** The app this service belongs to. */
    readonly app: MqttServiceHost,
  ) {}

  /** connect, reconnect, offline, disconnect, error, subscribe, unsubscribe, publish, publishError. */
  get events(): MqttEvents {
    return this.app.events;
  }

  /** True while connected to the broker. */
  get connected(): boolean {
    return this.app.connection.connected;
  }

  /** The raw mqtt.js client: an escape hatch (undefined before `start()`). */
  get client(): MqttClient | undefined {
    return this.app.connection.client;
  }

  get protocolVersion(): ProtocolVersion {
    return this.app.connection.protocolVersion;
  }

  get clientId(): string {
    return this.app.connection.clientId;
  }

  /**
   * What the broker allows (Maximum QoS, Retain Available, Maximum Packet Size, shared/wildcard
   * subscriptions, Receive Maximum, granted session expiry and keep alive, assigned client id…):
   * from its last CONNACK merged with `brokerLimits`; before the first connection, the declared limits.
   */
  get capabilities(): BrokerCapabilities {
    return this.app.connection.capabilities;
  }

  /** The broker URL without credentials (for logs and health checks). */
  get brokerUrl(): string {
    return this.app.config.brokerUrl;
  }

  /** Handler executions running now. */
  get inFlight(): number {
    return this.app.dispatcher.inFlight;
  }

  /** Messages received and waiting for a handler slot (see `maxQueued`). */
  get queued(): number {
    return this.app.dispatcher.queued;
  }

  /** Everything subscribed or waiting to be, with QoS and who asked (Flask-MQTT's `topics`). */
  get topics(): SubscriptionInfo[] {
    return this.app.subscriber.table.info();
  }

  /**
   * Publishes `payload` (objects and arrays as JSON, strings as UTF-8, Buffers and typed arrays
   * as they are, numbers and booleans as text, null/undefined empty). Resolves when the broker
   * acknowledged it (QoS 1/2) or it was written (QoS 0). An invalid topic rejects with
   * `InvalidTopicError`, an invalid option with `MqttOptionError`, and nothing is sent.
   */
  publish(topic: string, payload?: unknown, options: PublishOptions = {}): Promise<PublishResult> {
    const interceptors = this.app.publishInterceptors;
    if (interceptors.length === 0) return this.send(topic, payload, options);
    return intercept(
      interceptors,
      { topic, payload, options, protocolVersion: this.app.connection.protocolVersion },
      (intercepted) => this.send(topic, payload, intercepted),
    );
  }

  private async send(topic: string, payload: unknown, options: PublishOptions): Promise<PublishResult> {
    validateTopicName(topic);
    const where = () => `publish(${quote(topic)})`;
    checkPublishOptions(where, options);
    checkTopicAlias(where, options.properties?.topicAlias, this.app.topicAliasMaximum);
    const encoded = encodePayload(payload);
    const qos = options.qos ?? 0;
    const publishOptions: IClientPublishOptions = {
      qos,
      retain: options.retain ?? false,
      dup: options.dup ?? false,
    };
    if (this.app.connection.protocolVersion === 5) {
      const properties =
        encoded.contentType && options.properties?.contentType === undefined
          ? { ...options.properties, contentType: encoded.contentType }
          : options.properties;
      if (properties) publishOptions.properties = properties as IClientPublishOptions['properties'];
    } else if (options.properties && Object.keys(options.properties).length > 0) {
      throw new MqttProtocolError(
        `Publish to ${JSON.stringify(topic)}: properties (${Object.keys(options.properties).join(', ')}) need MQTT 5, but this connection speaks MQTT 3.1.1`,
      );
    }
    const packet = await this.app.connection
      .publish(topic, encoded.payload, publishOptions)
      .catch((error: Error) => this.app.events.failedPublish(topic, qos, error));
    const result: PublishResult = { topic, qos, messageId: packet?.messageId };
    if (this.app.hooks.has('publish')) {
      void this.app.hooks.run('publish', {
        topic,
        qos,
        retain: publishOptions.retain ?? false,
        messageId: result.messageId,
      });
    }
    return result;
  }

  /**
   * Declares a publisher: a topic pattern whose wildcard levels are all named, a QoS, a RETAIN
   * flag and the payload's type (`payload: AlertDto`, `String`, `Buffer`…). The returned
   * publisher's `publish({ level: 'high' }, alert)` is typed from the pattern and the payload
   * type; the AsyncAPI document (`koa-mqtt/asyncapi`) lists every declared publisher as a
   * `send` operation. Declaring the same pattern again with the same options returns the same
   * publisher; different options throw `MqttDefinitionError`.
   */
  publisher<const P extends string, C extends PayloadType = ObjectConstructor>(
    pattern: P,
    options: PublisherOptions<C> = {},
  ): MqttPublisher<P, PayloadOf<C>> {
    const definition = definePublisher(pattern, options);
    const existing = this.declared.get(pattern);
    if (existing) {
      const old = existing.definition;
      if (
        old.qos !== definition.qos ||
        old.retain !== definition.retain ||
        old.payload !== definition.payload ||
        old.summary !== definition.summary ||
        old.description !== definition.description
      ) {
        throw new MqttDefinitionError(
          `publisher(${JSON.stringify(pattern)}) is already declared with other options (qos ${old.qos}, retain ${old.retain}, payload ${old.payload?.name ?? 'undeclared'})`,
        );
      }
      return existing as MqttPublisher<P, PayloadOf<C>>;
    }
    const created = new MqttPublisher<P, PayloadOf<C>>(definition, (topic, payload, publishOptions) =>
      this.publish(topic, payload, publishOptions),
    );
    this.declared.set(pattern, created as MqttPublisher);
    return created;
  }

  /** Every publisher declared with `publisher()`, in declaration order. */
  get publishers(): readonly PublisherDefinition[] {
    return [...this.declared.values()].map((publisher) => publisher.definition);
  }

  /**
   * Subscribes at runtime. `filter` may use named parameters (`devices/+id/status`) and a
   * `$share/{group}/` prefix; `handler` receives an `MqttContext` with `params`. Without a
   * handler, messages reach handlers added with `onTopic` or the `@OnMessage` fallback.
   * Works before `start()` and while offline: resolves once the broker acknowledged it.
   */
  async subscribe<F extends string>(
    filter: F,
    handler?: MessageHandler<TopicParamsOf<F>>,
    options: RuntimeSubscribeOptions = {},
  ): Promise<SubscribeResult> {
    const where = `subscribe(${showPattern(filter)})`;
    const pattern = parsePattern(filter);
    if (handler !== undefined) checkValue(where, 'handler', handler, rules.function);
    checkOptions(where, RUNTIME_SUBSCRIPTION_RULES, options);
    const subscriptionFilter = pattern.group
      ? pattern.subscriptionFilter
      : options.share
        ? shareFilter(options.share, pattern.filter)
        : pattern.filter;
    const unsupported = subscriptionLimitsError([subscriptionFilter], this.app.connection.capabilities);
    if (unsupported) throw unsupported;
    if (options.noLocal && subscriptionFilter !== pattern.filter) {
      // [MQTT-3.8.3-4]: the broker would close the connection.
      throw new MqttOptionError(
        where,
        'noLocal',
        true,
        `false on a shared subscription (${quote(subscriptionFilter)}): MQTT 5 forbids noLocal there (MQTT-3.8.3-4)`,
      );
    }
    const concurrency =
      options.concurrency === undefined
        ? undefined
        : positiveInteger('subscribe concurrency', options.concurrency, 1);
    const handlerTimeout = timeoutOption('subscribe handlerTimeout', options.handlerTimeout);
    const added = this.app.subscriber.add(subscriptionFilter, resolveSubscription(options), 'runtime');
    const route: Route = {
      handler: handler
        ? this.compile(handler as MessageHandler, filter, pattern, subscriptionFilter, options.middleware)
        : undefined,
      pattern,
      subscription: added.subscription,
      replayGeneration: added.replayGeneration,
      ack: options.ack ?? this.app.ack,
      lane: this.app.dispatcher.laneFor(concurrency, handlerTimeout),
    };
    this.app.router.add(route);
    const routes = this.runtime.get(subscriptionFilter) ?? [];
    routes.push(route);
    this.runtime.set(subscriptionFilter, routes);
    const granted = await added.granted;
    return { filter: subscriptionFilter, qos: granted as QoS };
  }

  /**
   * Removes every runtime subscription to `filter` (as given to `subscribe`) and their handlers,
   * and unsubscribes at the broker unless a controller `@Topic` uses the same filter.
   * Resolves `false` when there was no subscription to it at all. A controller `@Topic`'s
   * filter (with no runtime subscription to it) rejects with `MqttUsageError` pointing to
   * `pause()`: controller topics are part of the code and are paused, not removed.
   */
  async unsubscribe(filter: string): Promise<boolean> {
    const key = this.runtime.has(filter) ? filter : parsePattern(filter).subscriptionFilter;
    const routes = this.runtime.get(key);
    if (!routes) {
      if (this.app.pausing.isControllerFilter(filter)) {
        throw new MqttUsageError(
          `unsubscribe(${JSON.stringify(filter)}): that filter belongs to a controller @Topic, and unsubscribe() removes runtime subscriptions only. ` +
            `Use pause(${JSON.stringify(filter)}) (or pause(TheControllerClass)) to stop it and resume() to subscribe again.`,
        );
      }
      return false;
    }
    this.runtime.delete(key);
    for (const route of routes) {
      this.unmount(route);
      await this.app.subscriber.remove(key, 'runtime');
    }
    return true;
  }

  /**
   * Removes every runtime subscription (made with `subscribe`). Controller `@Topic`
   * subscriptions stay: they are part of the app's code and go with `stop()`.
   * Resolves with the filters unsubscribed.
   */
  async unsubscribeAll(): Promise<string[]> {
    const filters = [...this.runtime.keys()];
    await Promise.all(filters.map((filter) => this.unsubscribe(filter)));
    return filters;
  }

  /**
   * Pauses controller `@Topic` subscriptions: every one of a controller class, or the ones of
   * one filter (as listed in `topics`, or as written with named parameters). Their handlers stop
   * at once and the broker is sent an UNSUBSCRIBE (unless a runtime subscription holds the same
   * filter); they stay paused across reconnects, until `resume()`. Before `start()` they are
   * mounted paused. Resolves with the filters paused now. Anything else rejects with
   * `MqttUsageError` listing the controller filters.
   */
  pause(target: PauseTarget): Promise<string[]> {
    return this.app.pausing.pause(target);
  }

  /** Subscribes what `pause()` paused again; resolves with the filters once the broker acknowledged them. */
  resume(target: PauseTarget): Promise<string[]> {
    return this.app.pausing.resume(target);
  }

  /** Filters of the controller `@Topic`s paused now. */
  get paused(): string[] {
    return this.app.pausing.paused;
  }

  /**
   * Adds a handler for messages matching `filter` without subscribing (Flask-MQTT's
   * `on_topic`): it runs for messages that some other subscription brings. Returns a
   * function that removes it.
   */
  onTopic<F extends string>(
    filter: F,
    handler: MessageHandler<TopicParamsOf<F>>,
    options: OnTopicOptions = {},
  ): () => void {
    const pattern = parsePattern(filter);
    checkValue(`onTopic(${quote(filter)})`, 'handler', handler, rules.function);
    const route: Route = {
      handler: this.compile(
        handler as MessageHandler,
        filter,
        pattern,
        pattern.subscriptionFilter,
        options.middleware,
      ),
      pattern,
      subscription: undefined,
      ack: this.app.ack,
    };
    this.app.router.add(route);
    return () => {
      this.app.router.remove(route);
    };
  }

  /** A runtime handler, wrapped in the app's middleware and its own when there is any. */
  private compile(
    handler: MessageHandler,
    filter: string,
    pattern: TopicPattern,
    subscriptionFilter: string,
    own: readonly MiddlewareLike[] | undefined,
  ): CompiledHandler {
    const compiled = compileFunction(handler, filter);
    const middleware = [
      ...this.app.appMiddleware(),
      ...this.app.middlewareResolver.resolve(own ?? [], `middleware of ${JSON.stringify(filter)}`),
    ];
    return withMiddleware(compiled, middleware, handler, {
      filter: pattern.filter,
      shareGroup: splitSharedFilter(subscriptionFilter).group,
    });
  }

  /**
   * MQTT 5 request/response: publishes `payload` (encoded as `publish` does) with a response
   * topic unique to this client and fresh correlation data, and resolves with the reply.
   * Rejects with `MqttTimeoutError` after `timeout` ms, `MqttRemoteError` when the responder's
   * handler failed, `MqttProtocolError` on an MQTT 3.1.1 connection.
   */
  request(topic: string, payload?: unknown, options: RequestOptions = {}): Promise<MqttReply> {
    this.requester ??= new Requester(this.app, (topic, payload, options) =>
      this.publish(topic, payload, options),
    );
    return this.requester.request(topic, payload, options);
  }

  /** @internal The app is stopping: requests waiting for a reply are rejected. */
  cancelRequests(reason: string): void {
    this.requester?.cancelAll(reason);
  }

  /** @internal The broker refused a subscription: its runtime handlers go too. */
  forgetRefused(filter: string): void {
    const routes = this.runtime.get(filter);
    if (!routes) return;
    this.runtime.delete(filter);
    for (const route of routes) this.unmount(route);
  }

  /** Takes a runtime route out of routing, and gives back its lane (its own flow settings). */
  private unmount(route: Route): void {
    this.app.router.remove(route);
    this.app.dispatcher.releaseLane(route.lane);
  }
}
