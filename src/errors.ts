/**
 * Every error the library throws or passes to a hook is an `MqttError`. Subclasses name
 * what went wrong; the original error, where there is one, is kept in `cause`.
 */
export class MqttError extends Error {
  /** A stable machine-readable code, e.g. `ERR_MQTT_INVALID_TOPIC`. */
  readonly code: string;

  constructor(message: string, code = 'ERR_MQTT', options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Which rule of MQTT 5.0 §4.7 / §4.8.2 (or of our pattern syntax) a topic broke. */
export type TopicRule =
  | 'not-a-string'
  | 'empty'
  | 'too-long'
  | 'null-character'
  | 'lone-surrogate'
  | 'wildcard-in-topic-name'
  | 'multi-level-wildcard-not-last'
  | 'multi-level-wildcard-not-whole-level'
  | 'single-level-wildcard-not-whole-level'
  | 'invalid-share-group'
  | 'invalid-share-filter'
  | 'share-group-conflict'
  | 'invalid-parameter-name'
  | 'duplicate-parameter-name';

/** A topic name or filter that MQTT does not allow, or a pattern we cannot compile. */
export class InvalidTopicError extends MqttError {
  readonly topic: string;
  readonly rule: TopicRule;
  readonly kind: 'topic' | 'filter' | 'pattern';

  constructor(kind: 'topic' | 'filter' | 'pattern', topic: string, rule: TopicRule, detail: string) {
    super(
      `Invalid ${kind === 'topic' ? 'topic name' : `topic ${kind}`} ${typeof topic === 'string' ? quote(topic) : `(${typeof topic})`}: ${detail}`,
      'ERR_MQTT_INVALID_TOPIC',
    );
    this.topic = topic;
    this.rule = rule;
    this.kind = kind;
  }
}

/** A controller, handler or decorator that cannot be turned into a definition at bootstrap. */
export class MqttDefinitionError extends MqttError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'ERR_MQTT_DEFINITION', options);
  }
}

/**
 * A call that cannot do what was asked in this situation (e.g. `unsubscribe()` of a controller
 * `@Topic` filter, `pause()` of something that is not there); the message names the call to use.
 */
export class MqttUsageError extends MqttError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'ERR_MQTT_USAGE', options);
  }
}

/**
 * An option given to the API (a decorator, `publish`, `subscribe`, `createMqttApp`…) that breaks
 * its rule. Thrown (or rejected) before anything reaches mqtt.js, naming where, the option, the
 * value and the rule.
 */
export class MqttOptionError extends MqttError {
  /** The call or decorator the option was given to, e.g. `subscribe("a/#")` or `@Topic("x") on A.b`. */
  readonly where: string;
  /** The option's path, e.g. `retainHandling` or `properties.topicAlias`. */
  readonly option: string;
  readonly value: unknown;
  /** What the option must be, e.g. `0, 1 or 2`. */
  readonly rule: string;

  constructor(where: string, option: string, value: unknown, rule: string, options?: { cause?: unknown }) {
    super(`${where}: ${option} must be ${rule}, got ${showValue(value)}`, 'ERR_MQTT_OPTION', options);
    this.where = where;
    this.option = option;
    this.value = value;
    this.rule = rule;
  }
}

/** A value for an error message: strings quoted and shortened, functions and objects by kind. */
export function showValue(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return quote(value);
    case 'function':
      return `a function${value.name ? ` (${value.name})` : ''}`;
    case 'bigint':
      return `${value}n`;
    case 'symbol':
      return value.toString();
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) return `an array (${value.length} items)`;
      if (Buffer.isBuffer(value)) return `a Buffer (${value.length} bytes)`;
      const name = (value as { constructor?: { name?: string } }).constructor?.name;
      return name && name !== 'Object' ? `an instance of ${name}` : 'an object';
    }
    default:
      return String(value);
  }
}

/** One invalid field of a configuration object. */
export interface InvalidField {
  readonly field: string;
  readonly problems: readonly string[];
}

/** A configuration that failed validation; lists every invalid field at once. */
export class MqttConfigError extends MqttError {
  readonly fields: readonly InvalidField[];

  constructor(fields: readonly InvalidField[]) {
    const lines = fields.map((f) => `  - ${f.field}: ${f.problems.join('; ')}`);
    super(`Invalid MQTT configuration (${fields.length} field(s)):\n${lines.join('\n')}`, 'ERR_MQTT_CONFIG');
    this.fields = fields;
  }
}

/** Could not connect (unreachable broker, refused CONNACK, timeout), or lost the connection. */
export class MqttConnectionError extends MqttError {
  /** The CONNACK reason code, where the broker gave one. */
  readonly reasonCode: number | undefined;

  constructor(message: string, options?: { cause?: unknown; reasonCode?: number }) {
    super(message, 'ERR_MQTT_CONNECTION', options);
    this.reasonCode = options?.reasonCode;
  }
}

/** The broker refused a subscription (SUBACK failure code) or an unsubscribe. */
export class MqttSubscriptionError extends MqttError {
  readonly filter: string;
  readonly reasonCode: number;

  constructor(filter: string, reasonCode: number, options?: { cause?: unknown }) {
    super(
      `Broker refused subscription to ${quote(filter)}: ${reasonName(reasonCode)} (0x${hex(reasonCode)})`,
      'ERR_MQTT_SUBSCRIPTION',
      options,
    );
    this.filter = filter;
    this.reasonCode = reasonCode;
  }
}

/** A publish that failed: refused by the broker, or impossible to send. */
export class MqttPublishError extends MqttError {
  readonly topic: string;
  readonly reasonCode: number | undefined;

  constructor(topic: string, message: string, options?: { cause?: unknown; reasonCode?: number }) {
    super(`Publish to ${quote(topic)} failed: ${message}`, 'ERR_MQTT_PUBLISH', options);
    this.topic = topic;
    this.reasonCode = options?.reasonCode;
  }
}

/** A publish made while offline when `maxOfflineQueue` publishes already wait for the connection. */
export class MqttOfflineQueueFullError extends MqttPublishError {
  readonly limit: number;

  constructor(topic: string, limit: number) {
    super(topic, `offline and ${limit} publishes already wait for the connection (maxOfflineQueue)`);
    this.limit = limit;
  }
}

/** A feature that needs MQTT 5 was used on an MQTT 3.1.1 connection, or similar. */
export class MqttProtocolError extends MqttError {
  constructor(message: string) {
    super(message, 'ERR_MQTT_PROTOCOL');
  }
}

/** Something did not happen in time (a request without reply, a stop that waited too long). */
export class MqttTimeoutError extends MqttError {
  readonly timeoutMs: number;

  constructor(message: string, timeoutMs: number) {
    super(`${message} (timed out after ${timeoutMs} ms)`, 'ERR_MQTT_TIMEOUT');
    this.timeoutMs = timeoutMs;
  }
}

/**
 * A handler run did not settle within its `handlerTimeout`: it was failed and its place freed
 * (the run itself cannot be stopped; whatever it does later is ignored). Passed to `onError`.
 */
export class MqttHandlerTimeoutError extends MqttTimeoutError {
  /** `Class.method`, or the filter of a runtime handler. */
  readonly handler: string;
  /** The topic of the message the run was handling. */
  readonly topic: string;

  constructor(handler: string, topic: string, timeoutMs: number) {
    super(
      `Handler ${handler} did not settle for a message on ${JSON.stringify(topic)} within handlerTimeout`,
      timeoutMs,
    );
    this.handler = handler;
    this.topic = topic;
  }
}

/**
 * A QoS 1/2 PUBLISH, PUBREL, SUBSCRIBE or UNSUBSCRIBE of ours had no acknowledgement for
 * `ackTimeout` ms on a connection that is otherwise alive: the broker dropped it (NATS does
 * while a JetStream stream elects a new leader). The connection was closed so that mqtt.js
 * sends it again after the reconnect (unless `reconnectPeriod` is 0); the operation itself goes
 * on and settles when the broker answers. Passed to `onError`.
 */
export class MqttAckTimeoutError extends MqttTimeoutError {
  /** The packet that waited longest: `publish`, `pubrel`, `subscribe` or `unsubscribe`. */
  readonly packet: 'publish' | 'pubrel' | 'subscribe' | 'unsubscribe';
  readonly messageId: number;
  /** The PUBLISH's topic, or the filters of a SUBSCRIBE / UNSUBSCRIBE (a PUBREL has none). */
  readonly topic: string | undefined;
  /** How long it had waited, ms (from the later of its sending and the connection's CONNACK). */
  readonly waitedMs: number;
  /** Packets of ours without an acknowledgement at that moment, this one included. */
  readonly unacknowledged: number;

  constructor(
    packet: MqttAckTimeoutError['packet'],
    messageId: number,
    topic: string | undefined,
    waitedMs: number,
    unacknowledged: number,
    timeoutMs: number,
    reconnecting: boolean,
  ) {
    const what = `${packet.toUpperCase()}${topic === undefined ? '' : ` ${quote(topic)}`} (message id ${messageId})`;
    super(
      `No ${ACK_OF[packet]} for ${what} after ${waitedMs} ms, ${unacknowledged} packet(s) unacknowledged: ` +
        'the broker dropped it (NATS does during a JetStream leader election); ' +
        (reconnecting
          ? 'reconnecting so that it is sent again'
          : 'reconnects are off (reconnectPeriod: 0), so it is not sent again until the connection is lost'),
      timeoutMs,
    );
    this.packet = packet;
    this.messageId = messageId;
    this.topic = topic;
    this.waitedMs = waitedMs;
    this.unacknowledged = unacknowledged;
  }
}

const ACK_OF = {
  publish: 'PUBACK/PUBREC',
  pubrel: 'PUBCOMP',
  subscribe: 'SUBACK',
  unsubscribe: 'UNSUBACK',
} as const;

/** Raised by a handler when it is given a payload it cannot decode or validate. */
export class PayloadValidationError extends MqttError {
  readonly topic: string;
  readonly handler: string;
  readonly constraints: readonly string[];

  constructor(topic: string, handler: string, constraints: readonly string[], options?: { cause?: unknown }) {
    const shown = constraints.slice(0, 20).join('; ');
    const more = constraints.length > 20 ? ` (and ${constraints.length - 20} more)` : '';
    super(`Invalid payload on ${quote(topic)} for ${handler}: ${shown}${more}`, 'ERR_MQTT_PAYLOAD', options);
    this.topic = topic;
    this.handler = handler;
    this.constraints = constraints;
  }
}

/**
 * Something the broker does not allow (its CONNACK said so, or `brokerLimits` declares it):
 * refused before anything was sent. `limit` names the capability, `value` what was asked.
 */
export class MqttCapabilityError extends MqttError {
  /** The capability, as in `BrokerCapabilities` (`maximumQoS`, `retainAvailable`, `maximumPacketSize`, …). */
  readonly limit: string;
  /** What was asked (the QoS, the packet size, the filters…). */
  readonly value: unknown;
  /** What the broker allows. */
  readonly allowed: unknown;

  constructor(message: string, limit: string, value: unknown, allowed: unknown) {
    super(message, 'ERR_MQTT_CAPABILITY');
    this.limit = limit;
    this.value = value;
    this.allowed = allowed;
  }
}

/** Quotes user input for an error message, shortening very long input. */
export function quote(input: string): string {
  const shown = input.length > 200 ? `${input.slice(0, 200)}…(${input.length} chars)` : input;
  return JSON.stringify(shown);
}

function hex(code: number): string {
  return code.toString(16).padStart(2, '0');
}

const REASONS: Readonly<Record<number, string>> = {
  128: 'unspecified error',
  131: 'implementation specific error',
  135: 'not authorized',
  129: 'malformed packet',
  130: 'protocol error',
  137: 'server busy',
  139: 'server shutting down',
  141: 'keep alive timeout',
  142: 'session taken over',
  143: 'topic filter invalid',
  144: 'topic name invalid',
  145: 'packet identifier in use',
  147: 'receive maximum exceeded',
  148: 'topic alias invalid',
  149: 'packet too large',
  151: 'quota exceeded',
  152: 'administrative action',
  153: 'payload format invalid',
  154: 'retain not supported',
  155: 'QoS not supported',
  156: 'use another server',
  157: 'server moved',
  158: 'shared subscriptions not supported',
  161: 'subscription identifiers not supported',
  162: 'wildcard subscriptions not supported',
};

/** A readable name for an MQTT 5 reason code (3.1.1's SUBACK failure 0x80 included). */
export function reasonName(code: number): string {
  return REASONS[code] ?? 'failure';
}

/** Middleware broke the rules of the chain (called `next()` twice), or was given where it cannot run. */
export class MqttMiddlewareError extends MqttError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'ERR_MQTT_MIDDLEWARE', options);
  }
}
