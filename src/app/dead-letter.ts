import type { PublishOptions } from '../client/publish-options.js';
import type { Route } from '../dispatch/router.js';
import { MqttDefinitionError, MqttError, PayloadValidationError } from '../errors.js';
import type { DeadLetterOptions, QoS } from '../metadata/types.js';
import type { InboundMessage, UserProperties } from '../payload/message.js';
import { validateTopicName } from '../topic/index.js';

/** User properties of a dead letter on MQTT 5 (the original topic marks it as a dead letter). */
export const DEAD_LETTER_PROPERTIES = {
  /** The topic the message was published to. Its presence marks a dead letter. */
  topic: 'koa-mqtt-dead-letter',
  handler: 'koa-mqtt-handler',
  error: 'koa-mqtt-error',
  code: 'koa-mqtt-error-code',
  /** One value per failed constraint. */
  constraint: 'koa-mqtt-constraint',
} as const;

/** What a dead letter carries on MQTT 3.1.1: this JSON object, the payload base64-encoded. */
export interface DeadLetterEnvelope {
  readonly deadLetter: {
    readonly topic: string;
    readonly handler: string;
    readonly error: string;
    readonly code: string;
    readonly constraints: readonly string[];
  };
  /** The original payload, base64. */
  readonly payload: string;
}

/** A dead-letter topic, resolved at bootstrap. */
export interface DeadLetterTarget {
  readonly topic: string;
  readonly qos: QoS;
  readonly handlerErrors: boolean;
}

type Publish = (topic: string, payload: unknown, options: PublishOptions) => Promise<unknown>;

const ENVELOPE_START = Buffer.from('{"deadLetter":');
const SENT = Symbol('dead letters sent');

/**
 * Sends messages that handlers could not decode or validate (and, if asked, messages whose
 * handler failed) to a dead-letter topic, once per message and topic, without waiting for
 * the broker. A message that is itself a dead letter is never dead-lettered again.
 */
export class DeadLetters {
  private readonly fallback: DeadLetterTarget | undefined;
  private readonly byRoute = new Map<Route, DeadLetterTarget | undefined>();
  private readonly topics = new Set<string>();

  constructor(
    app: DeadLetterOptions | string | undefined,
    private readonly publish: Publish,
    private readonly protocolVersion: () => number,
    private readonly report: (error: Error) => void,
  ) {
    this.fallback = this.resolve(app, 'deadLetter');
  }

  /** Records a route's own `deadLetter` option (`false`: none, even if the app has one). */
  set(route: Route, option: DeadLetterOptions | string | false | undefined): void {
    if (option === undefined) return;
    const owner = route.handler?.name ?? route.pattern.filter;
    this.byRoute.set(route, option === false ? undefined : this.resolve(option, owner));
  }

  /** Called after every handler run; acts only on errors. */
  handle(message: InboundMessage, route: Route, error: Error | undefined): void {
    if (!error) return;
    const target = this.byRoute.has(route) ? this.byRoute.get(route) : this.fallback;
    if (!target || !(error instanceof PayloadValidationError || target.handlerErrors)) return;
    if (this.isDeadLetter(message)) return;
    const sent = message.decoded(SENT, () => new Set<string>());
    if (sent.has(target.topic)) return;
    sent.add(target.topic);
    this.send(target, message, route.handler?.name ?? route.pattern.filter, error).catch((failure: unknown) =>
      this.report(
        new MqttError(
          `Cannot send the dead letter of a message on ${JSON.stringify(message.topic)} to ${JSON.stringify(target.topic)}: ${(failure as Error).message}`,
          'ERR_MQTT_DEAD_LETTER',
          { cause: failure },
        ),
      ),
    );
  }

  private send(target: DeadLetterTarget, message: InboundMessage, handler: string, error: Error) {
    const code = error instanceof MqttError ? error.code : 'ERR_MQTT_HANDLER';
    const constraints = error instanceof PayloadValidationError ? capped(error.constraints) : [];
    const text = short(error.message);
    if (this.protocolVersion() === 5) {
      const userProperties: UserProperties = {
        ...message.userProperties,
        [DEAD_LETTER_PROPERTIES.topic]: safeUtf8(message.topic),
        [DEAD_LETTER_PROPERTIES.handler]: safeUtf8(handler),
        [DEAD_LETTER_PROPERTIES.error]: text,
        [DEAD_LETTER_PROPERTIES.code]: code,
      };
      if (constraints.length > 0) userProperties[DEAD_LETTER_PROPERTIES.constraint] = constraints;
      const properties: PublishOptions['properties'] = { userProperties };
      if (message.contentType !== undefined) properties.contentType = message.contentType;
      return this.publish(target.topic, message.payload, { qos: target.qos, properties });
    }
    const envelope: DeadLetterEnvelope = {
      deadLetter: { topic: message.topic, handler, error: text, code, constraints },
      payload: message.payload.toString('base64'),
    };
    return this.publish(target.topic, JSON.stringify(envelope), { qos: target.qos });
  }

  /** Arrived on a dead-letter topic, or carries the dead-letter mark (MQTT 5) or envelope (3.1.1). */
  private isDeadLetter(message: InboundMessage): boolean {
    if (this.topics.has(message.topic)) return true;
    if (message.userProperties?.[DEAD_LETTER_PROPERTIES.topic] !== undefined) return true;
    const payload = message.payload;
    return (
      payload.length > ENVELOPE_START.length &&
      payload.subarray(0, ENVELOPE_START.length).equals(ENVELOPE_START)
    );
  }

  private resolve(
    option: DeadLetterOptions | string | undefined,
    owner: string,
  ): DeadLetterTarget | undefined {
    if (option === undefined) return undefined;
    const { topic, qos = 1, handlerErrors = false } = typeof option === 'string' ? { topic: option } : option;
    try {
      validateTopicName(topic);
    } catch (error) {
      throw new MqttDefinitionError(`${owner}: invalid dead-letter topic: ${(error as Error).message}`, {
        cause: error,
      });
    }
    if (qos !== 0 && qos !== 1 && qos !== 2) {
      throw new MqttDefinitionError(`${owner}: dead-letter qos must be 0, 1 or 2, got ${String(qos)}`);
    }
    this.topics.add(topic);
    return { topic, qos, handlerErrors };
  }
}

/** Most constraints a dead letter lists; the rest are counted. */
const MAX_CONSTRAINTS = 20;

function capped(constraints: readonly string[]): string[] {
  const shown = constraints.slice(0, MAX_CONSTRAINTS).map(short);
  if (constraints.length > MAX_CONSTRAINTS) shown.push(`… and ${constraints.length - MAX_CONSTRAINTS} more`);
  return shown;
}

/**
 * An error message fit for a user property: first line, at most 500 characters, control
 * characters and lone surrogates replaced by `?`. Mosquitto drops a connection whose packet
 * carries such characters in a UTF-8 string, and mqtt.js would resend it on every reconnect.
 */
export function short(message: string): string {
  const line = message.split('\n', 1)[0] ?? '';
  const clipped = line.length > 500 ? `${line.slice(0, 499)}…` : line;
  return safeUtf8(clipped);
}

/** `text` with C0/C1 control characters and lone surrogates replaced by `?`. */
export function safeUtf8(text: string): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    let bad = c < 0x20 || (c >= 0x7f && c <= 0x9f);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
      else bad = true;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      bad = true;
    }
    if (bad) {
      out += `${text.slice(from, i)}?`;
      from = i + 1;
    }
  }
  return from === 0 ? text : out + text.slice(from);
}
