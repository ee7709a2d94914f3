import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import type { IClientOptions } from 'mqtt';
import { type InvalidField, MqttConfigError } from '../errors.js';
import { MAX_TIMER_MS } from '../metadata/option-rules.js';
import type { QoS } from '../metadata/types.js';
import { validateTopicName } from '../topic/validate.js';
import { BROKER_LIMIT_FIELDS, type BrokerLimits } from './capabilities.js';
import {
  fieldProblems,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Max,
  Min,
  ValidateNested,
} from './config-rules.js';

/** The message the broker publishes for us when we vanish without a DISCONNECT. */
export class WillConfig {
  @IsString() @IsNotEmpty() topic!: string;
  @IsOptional() payload?: string | Buffer;
  @IsOptional() @IsIn([0, 1, 2]) qos?: QoS;
  @IsOptional() @IsBoolean() retain?: boolean;
  /** MQTT 5: seconds the broker waits before publishing the will. */
  @IsOptional() @IsInt() @Min(0) delayInterval?: number;
}

/** TLS material: strings or Buffers of PEM, as Node's `tls.connect` takes them. */
export class TlsConfig {
  @IsOptional() ca?: string | Buffer | Array<string | Buffer>;
  @IsOptional() cert?: string | Buffer;
  @IsOptional() key?: string | Buffer;
  /** Refuse a broker certificate that no trusted CA signed. Default true. */
  @IsOptional() @IsBoolean() rejectUnauthorized?: boolean;
  @IsOptional() @IsString() servername?: string;
}

/** Limits a broker does not announce (MQTT 3.1.1), validated as `MqttConfig.brokerLimits`. */
export class BrokerLimitsConfig implements BrokerLimits {
  @IsOptional() @IsIn([0, 1, 2]) maxQos?: QoS;
  @IsOptional() @IsBoolean() retain?: boolean;
  @IsOptional() @IsInt() @Min(1) @Max(268_435_460) maxPacketSize?: number;
  @IsOptional() @IsBoolean() sharedSubscriptions?: boolean;
  @IsOptional() @IsBoolean() wildcardSubscriptions?: boolean;
  @IsOptional() @IsBoolean() subscriptionIdentifiers?: boolean;
  @IsOptional() @IsInt() @Min(1) @Max(65_535) receiveMaximum?: number;
  @IsOptional() @IsBoolean() copyPerSubscription?: boolean;
  @IsOptional() @IsBoolean() wildcardsMatchDollarTopics?: boolean;
}

/** MQTT 5's "the session does not expire" (0xFFFFFFFF seconds). */
const NEVER_EXPIRES = 0xffffffff;

const PROTOCOLS = ['mqtt', 'mqtts', 'ws', 'wss', 'tcp', 'ssl'] as const;
export type BrokerProtocol = (typeof PROTOCOLS)[number];

/** Plain-object form of `MqttConfig`, as `createMqttApp({ config })` and `useMqtt` take it. */
export type MqttConfigInput = Optional<
  Omit<MqttConfig, 'will' | 'tls' | 'brokerLimits' | 'toClientOptions' | 'brokerUrl' | 'brokerUrls'>
> & {
  will?: Optional<WillConfig> | undefined;
  tls?: Optional<TlsConfig> | undefined;
  brokerLimits?: Optional<BrokerLimits> | undefined;
};

/** Every field optional, and `undefined` accepted (`exactOptionalPropertyTypes`: `url: process.env.MQTT_URL`). */
type Optional<T> = { [K in keyof T]?: T[K] | undefined };

/** Every field of `MqttConfig`: what `createMqttApp`/`useMqtt` take from inline options. */
export const CONFIG_FIELDS = [
  'url',
  'servers',
  'host',
  'port',
  'protocol',
  'path',
  'username',
  'password',
  'clientId',
  'clientIdPrefix',
  'clean',
  'sessionExpiryInterval',
  'keepalive',
  'protocolVersion',
  'reconnectPeriod',
  'reconnectMaxPeriod',
  'maxOfflineQueue',
  'noDelay',
  'connectTimeout',
  'ackTimeout',
  'reconnectRetries',
  'brokerLimits',
  'downgradeQos',
  'logPackets',
  'will',
  'tls',
] as const satisfies ReadonlyArray<keyof MqttConfig>;

/** Compile-time check that `CONFIG_FIELDS` names every data field of `MqttConfig`. */
type MissingConfigField = Exclude<
  keyof MqttConfig,
  | (typeof CONFIG_FIELDS)[number]
  | 'toClientOptions'
  | 'toJSON'
  | 'brokerUrl'
  | 'brokerUrls'
  | typeof inspect.custom
>;
const allConfigFieldsListed: [MissingConfigField] extends [never] ? true : MissingConfigField = true;
void allConfigFieldsListed;

/**
 * Connection settings, validated field by field (as fastapi-mqtt's MQTTConfig is with
 * pydantic; the rules are class-validator's, checked by ./config-rules.ts). Build one with `MqttConfig.from({...})` or `MqttConfig.fromEnv()`.
 * An invalid config throws one `MqttConfigError` listing every invalid field.
 */
export class MqttConfig {
  /**
   * `mqtt://`, `mqtts://`, `ws://` or `wss://` URL; wins over host/port/protocol. Several URLs
   * separated by commas are the nodes of a cluster, as `servers`.
   */
  @IsOptional() @IsString() @IsNotEmpty() url?: string;
  /**
   * Broker URLs (the nodes of a cluster), tried in order on connect and, round-robin, on every
   * reconnect. They share credentials, TLS settings and websocket path. Excludes `url`.
   */
  servers?: string[];
  @IsOptional() @IsString() @IsNotEmpty() host?: string;
  @IsOptional() @IsInt() @Min(1) @Max(65535) port?: number;
  @IsOptional() @IsIn(PROTOCOLS) protocol?: BrokerProtocol;
  /** Websocket path, for `ws`/`wss` with host/port. Default `/mqtt` (mqtt.js). */
  @IsOptional() @IsString() path?: string;
  @IsOptional() @IsString() username?: string;
  @IsOptional() @IsString() password?: string;
  /** Default: `clientIdPrefix` + random suffix, so instances never kick each other off. */
  @IsOptional() @IsString() @IsNotEmpty() clientId?: string;
  @IsOptional() @IsString() clientIdPrefix?: string;
  /** Start a clean session (3.1.1) / clean start (5). Default true. */
  @IsOptional() @IsBoolean() clean?: boolean;
  /**
   * MQTT 5: seconds the broker keeps the session after disconnect. Default: 0 with `clean: true`,
   * never expires with `clean: false` (as MQTT 3.1.1 does).
   */
  @IsOptional() @IsInt() @Min(0) @Max(0xffffffff) sessionExpiryInterval?: number;
  /** Seconds. Default 60. */
  @IsOptional() @IsInt() @Min(0) @Max(65535) keepalive?: number;
  /** 5 or 4 (3.1.1). Unset: try 5, fall back to 3.1.1 if the broker refuses 5. */
  @IsOptional() @IsIn([3, 4, 5]) protocolVersion?: 3 | 4 | 5;
  /** First reconnect delay in ms; doubles per failed attempt up to `reconnectMaxPeriod`. 0 disables. Default 1000. */
  @IsOptional() @IsInt() @Min(0) @Max(MAX_TIMER_MS) reconnectPeriod?: number;
  /** Cap of the reconnect delay, ms. Default 30000. */
  @IsOptional() @IsInt() @Min(0) @Max(MAX_TIMER_MS) reconnectMaxPeriod?: number;
  /**
   * Most publishes (any QoS) kept while offline, sent after reconnect; one more rejects with
   * `MqttOfflineQueueFullError`. Default 10000.
   */
  @IsOptional() @IsInt() @Min(0) maxOfflineQueue?: number;
  /**
   * Turn Nagle's algorithm off on the client socket (default true): small packets go out at once,
   * so request/response and QoS 1 round trips take ~1 ms instead of ~40 ms per hop. `false` lets
   * the kernel coalesce small writes (PUBACKs of a high-rate consumer), for throughput.
   */
  @IsOptional() @IsBoolean() noDelay?: boolean;
  /** ms to wait for CONNACK. Default 10000. */
  @IsOptional() @IsInt() @Min(1) @Max(MAX_TIMER_MS) connectTimeout?: number;
  /**
   * ms a QoS 1/2 PUBLISH (or its PUBREL), a SUBSCRIBE or an UNSUBSCRIBE may wait for its
   * acknowledgement on a live connection, counted from the later of its sending and the CONNACK.
   * Past it the broker dropped the packet (NATS does during a JetStream leader election): one
   * warning, an `MqttAckTimeoutError` to `onError`, and a reconnect, after which mqtt.js sends it
   * again. 0 turns the watchdog off. Default 30000.
   */
  @IsOptional() @IsInt() @Min(0) @Max(MAX_TIMER_MS) ackTimeout?: number;
  /**
   * Failed connection attempts in a row (reconnects, and the first connection with
   * `retryInitialConnect`) after which the app stops retrying and reports an
   * `MqttConnectionError` to `onError` (fastapi-mqtt's `reconnect_retries`). Default: no limit.
   */
  @IsOptional() @IsInt() @Min(0) reconnectRetries?: number;
  /**
   * What the broker allows that it does not announce (every MQTT 3.1.1 broker): see
   * docs/delivery.md. On MQTT 5 merged with the CONNACK (the stricter wins).
   */
  @IsOptional() @ValidateNested() brokerLimits?: BrokerLimitsConfig;
  /**
   * Publish above the broker's Maximum QoS at its maximum instead of rejecting (warned once per
   * topic). Default false: such a publish rejects with `MqttCapabilityError`.
   */
  @IsOptional() @IsBoolean() downgradeQos?: boolean;
  /** Log every packet sent and received (type, topic, packet id; never payloads) at debug level. Default false. */
  @IsOptional() @IsBoolean() logPackets?: boolean;
  @IsOptional() @ValidateNested() will?: WillConfig;
  @IsOptional() @ValidateNested() tls?: TlsConfig;

  /** Validates `input` and returns a config; throws `MqttConfigError` naming every invalid field. */
  static from(input: MqttConfigInput | MqttConfig = {}): MqttConfig {
    const config = Object.assign(new MqttConfig(), input);
    if (input.will) config.will = Object.assign(new WillConfig(), input.will);
    if (input.tls) config.tls = Object.assign(new TlsConfig(), input.tls);
    if (input.brokerLimits) config.brokerLimits = Object.assign(new BrokerLimitsConfig(), input.brokerLimits);
    const problems = unknownKeys(input);
    problems.push(...fieldProblems(config));
    problems.push(...crossFieldProblems(config));
    if (problems.length > 0) throw new MqttConfigError(problems);
    return config;
  }

  /**
   * Reads the environment: `MQTT_URL`, `MQTT_HOST`, `MQTT_PORT`, `MQTT_PROTOCOL`, `MQTT_USERNAME`,
   * `MQTT_PASSWORD`, `MQTT_CLIENT_ID`, `MQTT_CLIENT_ID_PREFIX`, `MQTT_CLEAN`, `MQTT_SESSION_EXPIRY`,
   * `MQTT_KEEPALIVE`, `MQTT_PROTOCOL_VERSION`, `MQTT_RECONNECT_PERIOD`, `MQTT_RECONNECT_MAX_PERIOD`,
   * `MQTT_CONNECT_TIMEOUT`, `MQTT_ACK_TIMEOUT`, `MQTT_MAX_OFFLINE_QUEUE`, `MQTT_NO_DELAY`, `MQTT_RECONNECT_RETRIES`, `MQTT_LOG_PACKETS`, `MQTT_TLS_CA` / `MQTT_TLS_CERT` / `MQTT_TLS_KEY` (file paths),
   * `MQTT_TLS_REJECT_UNAUTHORIZED`, `MQTT_WILL_TOPIC`, `MQTT_WILL_PAYLOAD`, `MQTT_WILL_QOS`,
   * `MQTT_WILL_RETAIN`. `overrides` win over the environment.
   */
  static fromEnv(env: NodeJS.ProcessEnv = process.env, overrides: MqttConfigInput = {}): MqttConfig {
    return MqttConfig.from({ ...readEnv(env), ...overrides });
  }

  /** The broker address without credentials, for logs and health checks (all of them, comma-separated). */
  get brokerUrl(): string {
    return this.brokerUrls.map(redactUrl).join(',');
  }

  /** Every broker URL to try, in order (`servers`, or `url` split at commas), credentials included. */
  get brokerUrls(): string[] {
    if (this.servers && this.servers.length > 0) return [...this.servers];
    if (this.url) return splitUrls(this.url);
    const protocol = this.protocol ?? (this.tls ? 'mqtts' : 'mqtt');
    const port = this.port ?? defaultPort(protocol);
    return [`${protocol}://${this.host ?? 'localhost'}:${port}${this.path ?? ''}`];
  }

  /** mqtt.js client options (reconnects and acks are driven by the connection, not mqtt.js). */
  toClientOptions(protocolVersion: 4 | 5 | 3): IClientOptions {
    const options: IClientOptions = {
      protocolVersion,
      clientId: this.clientId,
      clean: this.clean ?? true,
      keepalive: this.keepalive ?? 60,
      connectTimeout: this.connectTimeout ?? 10_000,
      reconnectPeriod: this.reconnectPeriod ?? 1000,
      resubscribe: false,
      username: this.username,
      password: this.password,
    };
    if (!this.url && !this.servers) {
      options.protocol = this.protocol ?? (this.tls ? 'mqtts' : 'mqtt');
      options.host = this.host ?? 'localhost';
      options.port = this.port ?? defaultPort(options.protocol);
      if (this.path) options.path = this.path;
    }
    if (protocolVersion === 5) {
      // MQTT 5 ends a session at disconnect unless told otherwise: `clean: false` alone keeps it
      // (as on 3.1.1), until `sessionExpiryInterval` says when to drop it.
      const expiry = this.sessionExpiryInterval ?? (this.clean === false ? NEVER_EXPIRES : undefined);
      if (expiry !== undefined) options.properties = { sessionExpiryInterval: expiry };
    }
    if (this.will) options.will = willPacket(this.will, protocolVersion);
    if (this.tls) Object.assign(options, stripUndefined({ ...this.tls }));
    return options;
  }

  /** Never shows the password. */
  toJSON(): Record<string, unknown> {
    const { password, ...rest } = this as MqttConfig & Record<string, unknown>;
    const shown: Record<string, unknown> = {
      ...rest,
      url: this.url ? splitUrls(this.url).map(redactUrl).join(',') : undefined,
      servers: this.servers?.map(redactUrl),
    };
    if (password !== undefined) shown.password = '[redacted]';
    if (this.tls?.key !== undefined) shown.tls = { ...this.tls, key: '[redacted]' };
    return stripUndefined(shown);
  }

  [inspect.custom](): Record<string, unknown> {
    return this.toJSON();
  }
}

/** `mqtt://user:secret@host` → `mqtt://user@host`. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1@');
  }
}

/** `MQTT_URL=mqtt://a:1883,mqtt://b:1883` → both. */
function splitUrls(url: string): string[] {
  return url
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

/** Keys of the input (and of its nested objects) that the config does not have: an error, not ignored. */
function unknownKeys(input: object): InvalidField[] {
  const problems: InvalidField[] = [];
  const check = (object: unknown, known: readonly string[], parent: string) => {
    if (object === null || typeof object !== 'object' || Array.isArray(object) || Buffer.isBuffer(object))
      return;
    for (const key of Object.keys(object)) {
      if (known.includes(key) || (object as Record<string, unknown>)[key] === undefined) continue;
      problems.push({
        field: parent ? `${parent}.${key}` : key,
        problems: [`is not a configuration option (known: ${known.join(', ')})`],
      });
    }
  };
  const record = input as Record<string, unknown>;
  check(input, CONFIG_FIELDS, '');
  check(record.will, WILL_FIELDS, 'will');
  check(record.tls, TLS_FIELDS, 'tls');
  check(record.brokerLimits, BROKER_LIMIT_FIELDS, 'brokerLimits');
  return problems;
}

const WILL_FIELDS = ['topic', 'payload', 'qos', 'retain', 'delayInterval'] as const satisfies ReadonlyArray<
  keyof WillConfig
>;
const TLS_FIELDS = ['ca', 'cert', 'key', 'rejectUnauthorized', 'servername'] as const satisfies ReadonlyArray<
  keyof TlsConfig
>;

function defaultPort(protocol: string): number {
  switch (protocol) {
    case 'mqtts':
    case 'ssl':
      return 8883;
    case 'ws':
      return 80;
    case 'wss':
      return 443;
    default:
      return 1883;
  }
}

function willPacket(will: WillConfig, protocolVersion: number): NonNullable<IClientOptions['will']> {
  const packet: NonNullable<IClientOptions['will']> = {
    topic: will.topic,
    payload: typeof will.payload === 'string' ? Buffer.from(will.payload) : (will.payload ?? Buffer.alloc(0)),
    qos: will.qos ?? 0,
    retain: will.retain ?? false,
  };
  if (protocolVersion === 5 && will.delayInterval !== undefined) {
    packet.properties = { willDelayInterval: will.delayInterval };
  }
  return packet;
}

function crossFieldProblems(config: MqttConfig): InvalidField[] {
  const problems: InvalidField[] = [];
  const badScheme = (url: string) => {
    const scheme = /^([a-z]+):\/\//i.exec(url)?.[1]?.toLowerCase();
    return !scheme || !(PROTOCOLS as readonly string[]).includes(scheme);
  };
  const schemes = `must start with one of ${PROTOCOLS.map((p) => `${p}://`).join(', ')}`;
  if (config.url !== undefined) {
    const urls = splitUrls(config.url);
    if (urls.length === 0 || urls.some(badScheme)) {
      problems.push({ field: 'url', problems: [urls.length > 1 ? `each URL ${schemes}` : schemes] });
    }
  }
  if (Array.isArray(config.servers)) {
    if (config.servers.length === 0)
      problems.push({ field: 'servers', problems: ['must list at least one URL'] });
    config.servers.forEach((url, i) => {
      if (typeof url === 'string' && badScheme(url))
        problems.push({ field: `servers[${i}]`, problems: [schemes] });
    });
    if (config.url !== undefined)
      problems.push({ field: 'servers', problems: ['is set together with url: give one or the other'] });
  }
  problems.push(...clientIdProblems(config));
  if (config.will?.topic) {
    try {
      validateTopicName(config.will.topic);
    } catch (error) {
      problems.push({ field: 'will.topic', problems: [(error as Error).message] });
    }
  }
  if (config.password !== undefined && config.username === undefined && !config.url?.includes('@')) {
    problems.push({ field: 'password', problems: ['is set without a username'] });
  }
  return problems;
}

/** MQTT 5.0 §1.5.4 / 3.1.1 §1.5.3: a client id is a UTF-8 string of at most 65,535 bytes. */
const MAX_CLIENT_ID_BYTES = 65_535;
/** What the connection appends to `clientIdPrefix`: `-` and 12 hex digits. */
const CLIENT_ID_SUFFIX_BYTES = 13;

function clientIdProblems(config: MqttConfig): InvalidField[] {
  const problems: InvalidField[] = [];
  const check = (field: string, value: unknown, max: number) => {
    if (typeof value !== 'string') return;
    const bytes = Buffer.byteLength(value);
    if (bytes > max) {
      problems.push({
        field,
        problems: [
          `must be at most ${max.toLocaleString('en')} bytes in UTF-8 (MQTT's string limit), got ${bytes.toLocaleString('en')}`,
        ],
      });
    }
  };
  check('clientId', config.clientId, MAX_CLIENT_ID_BYTES);
  check('clientIdPrefix', config.clientIdPrefix, MAX_CLIENT_ID_BYTES - CLIENT_ID_SUFFIX_BYTES);
  return problems;
}

function stripUndefined<T extends Record<string, unknown>>(object: T): T {
  for (const key of Object.keys(object)) if (object[key] === undefined) delete object[key];
  return object;
}

function readEnv(env: NodeJS.ProcessEnv): MqttConfigInput {
  const input: MqttConfigInput & Record<string, unknown> = {};
  const text = (name: string) => (env[name] === undefined || env[name] === '' ? undefined : env[name]);
  const int = (name: string) => {
    const value = text(name);
    return value === undefined ? undefined : Number(value);
  };
  const bool = (name: string) => {
    const value = text(name)?.toLowerCase();
    if (value === undefined) return undefined;
    return ['1', 'true', 'yes', 'on'].includes(value)
      ? true
      : ['0', 'false', 'no', 'off'].includes(value)
        ? false
        : value;
  };
  const file = (name: string) => {
    const path = text(name);
    return path === undefined ? undefined : readFileSync(path);
  };
  Object.assign(input, {
    url: text('MQTT_URL'),
    host: text('MQTT_HOST'),
    port: int('MQTT_PORT'),
    protocol: text('MQTT_PROTOCOL'),
    username: text('MQTT_USERNAME'),
    password: text('MQTT_PASSWORD'),
    clientId: text('MQTT_CLIENT_ID'),
    clientIdPrefix: text('MQTT_CLIENT_ID_PREFIX'),
    clean: bool('MQTT_CLEAN'),
    sessionExpiryInterval: int('MQTT_SESSION_EXPIRY'),
    keepalive: int('MQTT_KEEPALIVE'),
    protocolVersion: int('MQTT_PROTOCOL_VERSION'),
    reconnectPeriod: int('MQTT_RECONNECT_PERIOD'),
    reconnectMaxPeriod: int('MQTT_RECONNECT_MAX_PERIOD'),
    connectTimeout: int('MQTT_CONNECT_TIMEOUT'),
    ackTimeout: int('MQTT_ACK_TIMEOUT'),
    maxOfflineQueue: int('MQTT_MAX_OFFLINE_QUEUE'),
    noDelay: bool('MQTT_NO_DELAY'),
    reconnectRetries: int('MQTT_RECONNECT_RETRIES'),
    logPackets: bool('MQTT_LOG_PACKETS'),
  });
  const tls = stripUndefined({
    ca: file('MQTT_TLS_CA'),
    cert: file('MQTT_TLS_CERT'),
    key: file('MQTT_TLS_KEY'),
    rejectUnauthorized: bool('MQTT_TLS_REJECT_UNAUTHORIZED') as boolean | undefined,
  });
  if (Object.keys(tls).length > 0) input.tls = tls;
  const willTopic = text('MQTT_WILL_TOPIC');
  if (willTopic !== undefined) {
    input.will = stripUndefined({
      topic: willTopic,
      payload: text('MQTT_WILL_PAYLOAD'),
      qos: int('MQTT_WILL_QOS') as QoS | undefined,
      retain: bool('MQTT_WILL_RETAIN') as boolean | undefined,
    });
  }
  return stripUndefined(input);
}
