import { randomBytes } from 'node:crypto';
import type { PublishOptions, PublishProperties } from '../client/publish-options.js';
import type { CompiledHandler } from '../dispatch/handler.js';
import { MqttError, MqttProtocolError, MqttTimeoutError, quote } from '../errors.js';
import { resolveSubscription } from '../metadata/definitions.js';
import { checkOptions, MAX_TIMER_MS, QOS_RULE, type Rule, rule, rules } from '../metadata/option-rules.js';
import type { QoS } from '../metadata/types.js';
import type { InboundMessage } from '../payload/message.js';
import { isValidTopicName, parsePattern, validateTopicName } from '../topic/index.js';
import { PUBLISH_PROPERTY_RULES } from './publish-properties.js';
import { MqttRemoteError } from './remote-error.js';
import { MqttReply } from './reply-message.js';
import type { MqttServiceHost } from './service-host.js';

export interface RequestOptions {
  /** ms to wait for the reply before rejecting with `MqttTimeoutError`. Default 10000. */
  readonly timeout?: number | undefined;
  /** QoS of the request (the responder answers with the same QoS). Default 0. */
  readonly qos?: QoS | undefined;
  /** More MQTT 5 properties (user properties, message expiry…); response topic and correlation data are set. */
  readonly properties?: Omit<PublishProperties, 'responseTopic' | 'correlationData'> | undefined;
}

/** `request` options; `properties` as `publish` takes them. */
const REQUEST_RULES = {
  timeout: rule(
    'a number of ms above 0, at most 2,147,483,647',
    (v) => typeof v === 'number' && v > 0 && v <= MAX_TIMER_MS,
  ),
  qos: QOS_RULE,
  properties: rules.nested(PUBLISH_PROPERTY_RULES),
} as const satisfies Record<keyof RequestOptions, Rule>;

interface Pending {
  resolve(reply: MqttReply): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/** Root of the response topics: `koa-mqtt/replies/{clientId}`. */
export const REPLY_TOPIC_ROOT = 'koa-mqtt/replies';

/** The name of the handler that takes replies (`ctx.handler`, metrics, tracing). */
export const REPLY_HANDLER = 'MqttService.request';

/**
 * MQTT 5 request/response, calling side: one response topic per client, subscribed on the
 * first request; each request gets 16 random bytes of correlation data and waits for the
 * reply carrying them. Replies nobody waits for (late, unknown) are dropped.
 */
export class Requester {
  private readonly pending = new Map<string, Pending>();
  private subscribed: Promise<unknown> | undefined;
  private topic: string | undefined;

  constructor(
    private readonly app: MqttServiceHost,
    private readonly publish: (topic: string, payload: unknown, options: PublishOptions) => Promise<unknown>,
  ) {}

  /** The response topic of this client (set by the first request). */
  get responseTopic(): string | undefined {
    return this.topic;
  }

  /** Requests now waiting for their reply. */
  get waiting(): number {
    return this.pending.size;
  }

  /**
   * Publishes the request and resolves with its reply. The timeout runs from the call, so a
   * request made before `start()` (it waits for the connection) times out too.
   */
  request(topic: string, payload: unknown, options: RequestOptions = {}): Promise<MqttReply> {
    const timeout = options.timeout ?? 10_000;
    try {
      validateTopicName(topic);
      checkOptions(`request(${quote(topic)})`, REQUEST_RULES, options);
      this.requireMqtt5(topic);
    } catch (error) {
      return Promise.reject(error);
    }
    const correlationData = randomBytes(16);
    const key = correlationData.toString('hex');
    const reply = new Promise<MqttReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(key);
        reject(new MqttTimeoutError(`No reply to the request on ${JSON.stringify(topic)}`, timeout));
      }, timeout);
      this.pending.set(key, { resolve, reject, timer });
    });
    void this.send(key, topic, payload, options, correlationData);
    return reply;
  }

  /** Subscribes (first time) and publishes; a failure rejects the request. Never rejects. */
  private async send(
    key: string,
    topic: string,
    payload: unknown,
    options: RequestOptions,
    correlationData: Buffer,
  ): Promise<void> {
    try {
      const responseTopic = await this.subscribe();
      if (!this.pending.has(key)) return; // timed out (or cancelled) while subscribing
      this.requireMqtt5(topic);
      await this.publish(topic, payload, {
        qos: options.qos ?? 0,
        properties: { ...options.properties, responseTopic, correlationData },
      });
    } catch (error) {
      this.settle(key)?.reject(error as Error);
    }
  }

  private requireMqtt5(topic: string): void {
    const connection = this.app.connection;
    if (connection.client && connection.protocolVersion !== 5) {
      throw new MqttProtocolError(
        `request(${JSON.stringify(topic)}) needs MQTT 5 (response topic and correlation data), but this connection speaks MQTT 3.1.1`,
      );
    }
  }

  /** Rejects every waiting request (the app is stopping). */
  cancelAll(reason: string): void {
    for (const key of [...this.pending.keys()]) this.settle(key)?.reject(new MqttError(reason));
  }

  private onReply(message: InboundMessage): void {
    const correlation = message.correlationData;
    if (!correlation) return;
    const waiting = this.settle(correlation.toString('hex'));
    if (!waiting) return; // late or unknown: dropped
    const reply = new MqttReply(message);
    if (reply.isError)
      waiting.reject(new MqttRemoteError(message.topic, reply.error!, reply.errorCode, reply));
    else waiting.resolve(reply);
  }

  private settle(key: string): Pending | undefined {
    const waiting = this.pending.get(key);
    if (!waiting) return undefined;
    this.pending.delete(key);
    clearTimeout(waiting.timer);
    return waiting;
  }

  /** Subscribes to this client's response topic, once (kept across reconnects like a controller topic). */
  private subscribe(): Promise<string> {
    this.subscribed ??= (async () => {
      const id = this.app.connection.clientId;
      const topic =
        isValidTopicName(`${REPLY_TOPIC_ROOT}/${id}`) && !id.includes('/')
          ? `${REPLY_TOPIC_ROOT}/${id}`
          : `${REPLY_TOPIC_ROOT}/${randomBytes(8).toString('hex')}`;
      const handler: CompiledHandler = {
        name: REPLY_HANDLER,
        invoke: (message) => this.onReply(message),
      };
      const added = this.app.subscriber.add(topic, resolveSubscription({ qos: 1 }), 'controller');
      const route = {
        handler,
        pattern: parsePattern(topic),
        subscription: added.subscription,
        ack: 'auto' as const,
      };
      this.app.router.add(route);
      this.topic = topic;
      try {
        await added.granted;
      } catch (error) {
        this.app.router.remove(route);
        throw error;
      }
    })();
    const subscribed = this.subscribed;
    subscribed.catch(() => {
      if (this.subscribed === subscribed) this.subscribed = undefined;
    });
    return subscribed.then(() => this.topic!);
  }
}
