import type { IConnackPacket } from 'mqtt';
import type { QoS } from '../metadata/types.js';

/**
 * What the broker of the current connection allows, read from its MQTT 5 CONNACK and merged
 * with the limits declared in `MqttConfig.brokerLimits` (the stricter of the two wins). MQTT
 * 3.1.1 brokers announce nothing: there only the declared limits apply, the rest is "allowed".
 */
export interface BrokerCapabilities {
  readonly protocolVersion: 3 | 4 | 5;
  /** Highest QoS the broker accepts in a PUBLISH (and grants in a SUBACK). */
  readonly maximumQoS: QoS;
  /** Whether the broker keeps retained messages (a retained PUBLISH is refused otherwise). */
  readonly retainAvailable: boolean;
  /** Largest packet, in bytes (whole packet: fixed header, properties, payload), the broker accepts. Undefined: no limit. */
  readonly maximumPacketSize: number | undefined;
  readonly wildcardSubscriptionAvailable: boolean;
  readonly sharedSubscriptionAvailable: boolean;
  readonly subscriptionIdentifiersAvailable: boolean;
  /** QoS 1/2 publishes the broker takes at once before their acknowledgement (65535: unbounded). */
  readonly receiveMaximum: number;
  /** Highest topic alias the broker accepts (0: none). */
  readonly topicAliasMaximum: number;
  /** Session expiry the broker granted, seconds (undefined: as asked, or MQTT 3.1.1). */
  readonly sessionExpiryInterval: number | undefined;
  /** Keep alive the broker imposed, seconds (undefined: ours holds). */
  readonly serverKeepAlive: number | undefined;
  /** The client identifier the broker assigned (when we sent none). */
  readonly assignedClientIdentifier: string | undefined;
  /**
   * The broker sends one copy of a message per matching subscription (NATS, Mosquitto with
   * `allow_duplicate_messages true`); without subscription identifiers the library then never
   * sends overlapping filters (declared only: `brokerLimits.copyPerSubscription`).
   */
  readonly copyPerSubscription: boolean;
  /**
   * The broker also delivers `$…` topics to filters starting with a wildcard (NATS; MQTT 4.7.2
   * says it must not): with `copyPerSubscription` the covering set then takes `+/b` and `$a/b`
   * as overlapping (declared only: `brokerLimits.wildcardsMatchDollarTopics`). Handlers on such
   * filters never get `$…` topics either way: the router applies MQTT 4.7.2.
   */
  readonly wildcardsMatchDollarTopics: boolean;
}

/**
 * Limits a broker does not announce (every MQTT 3.1.1 broker), declared in `MqttConfig`.
 * On MQTT 5 they are merged with the CONNACK's: the stricter wins.
 */
export interface BrokerLimits {
  /** Highest QoS the broker accepts (NATS and RabbitMQ: 1). */
  maxQos?: QoS;
  /** `false`: the broker refuses retained messages. */
  retain?: boolean;
  /** Largest packet in bytes the broker accepts. */
  maxPacketSize?: number;
  /** `false`: no `$share/…` subscriptions (NATS, RabbitMQ take them and deliver nothing). */
  sharedSubscriptions?: boolean;
  /** `false`: no `+` / `#` in subscriptions. */
  wildcardSubscriptions?: boolean;
  /** `false`: do not send MQTT 5 subscription identifiers. */
  subscriptionIdentifiers?: boolean;
  /** Most QoS 1/2 publishes in flight at once. */
  receiveMaximum?: number;
  /**
   * `true`: the broker sends one copy per matching subscription even without subscription
   * identifiers (NATS; Mosquitto with `allow_duplicate_messages true`). The library then sends
   * a covering set of non-overlapping filters and dispatches locally.
   */
  copyPerSubscription?: boolean;
  /**
   * `true`: the broker also delivers `$…` topics to filters starting with `+` or `#` (NATS,
   * against MQTT 4.7.2). Matters with `copyPerSubscription`: the covering set then never holds
   * both `+/b/+` and `$a/b/+`, which would bring a `$a/b/…` message twice.
   */
  wildcardsMatchDollarTopics?: boolean;
}

/** The field names of `BrokerLimits`, for the config's unknown-key check. */
export const BROKER_LIMIT_FIELDS = [
  'maxQos',
  'retain',
  'maxPacketSize',
  'sharedSubscriptions',
  'wildcardSubscriptions',
  'subscriptionIdentifiers',
  'receiveMaximum',
  'copyPerSubscription',
  'wildcardsMatchDollarTopics',
] as const satisfies ReadonlyArray<keyof BrokerLimits>;

/** MQTT 5's default Receive Maximum (and its largest value). */
export const UNBOUNDED_RECEIVE_MAXIMUM = 65_535;

/** Reads a CONNACK (MQTT 5 properties, absent on 3.1.1) and the declared limits into one object. */
export function readCapabilities(
  connack: IConnackPacket | undefined,
  protocolVersion: 3 | 4 | 5,
  limits: BrokerLimits = {},
): BrokerCapabilities {
  const p = protocolVersion === 5 ? (connack?.properties ?? {}) : {};
  const announcedQos = (p.maximumQoS ?? 2) as QoS;
  return {
    protocolVersion,
    maximumQoS: Math.min(announcedQos, limits.maxQos ?? 2) as QoS,
    retainAvailable: p.retainAvailable !== false && limits.retain !== false,
    maximumPacketSize: smallest(p.maximumPacketSize, limits.maxPacketSize),
    wildcardSubscriptionAvailable:
      p.wildcardSubscriptionAvailable !== false && limits.wildcardSubscriptions !== false,
    sharedSubscriptionAvailable:
      p.sharedSubscriptionAvailable !== false && limits.sharedSubscriptions !== false,
    subscriptionIdentifiersAvailable:
      protocolVersion === 5 &&
      p.subscriptionIdentifiersAvailable !== false &&
      limits.subscriptionIdentifiers !== false,
    receiveMaximum: smallest(p.receiveMaximum, limits.receiveMaximum) ?? UNBOUNDED_RECEIVE_MAXIMUM,
    topicAliasMaximum: p.topicAliasMaximum ?? 0,
    sessionExpiryInterval: p.sessionExpiryInterval,
    serverKeepAlive: p.serverKeepAlive,
    assignedClientIdentifier: p.assignedClientIdentifier,
    copyPerSubscription: limits.copyPerSubscription === true,
    wildcardsMatchDollarTopics: limits.wildcardsMatchDollarTopics === true,
  };
}

function smallest(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}

/** One grant below what was asked: logged once and shown on the service. */
export interface Downgrade {
  readonly what: 'sessionExpiryInterval' | 'keepalive' | 'maximumQoS';
  readonly asked: number;
  readonly granted: number;
}

/** What the CONNACK granted below what the config asked (session expiry, keep alive). */
export function connectDowngrades(
  capabilities: BrokerCapabilities,
  asked: { sessionExpiryInterval: number | undefined; keepalive: number },
): Downgrade[] {
  const found: Downgrade[] = [];
  const expiry = capabilities.sessionExpiryInterval;
  if (
    expiry !== undefined &&
    asked.sessionExpiryInterval !== undefined &&
    expiry < asked.sessionExpiryInterval
  )
    found.push({ what: 'sessionExpiryInterval', asked: asked.sessionExpiryInterval, granted: expiry });
  const keepAlive = capabilities.serverKeepAlive;
  if (keepAlive !== undefined && keepAlive !== asked.keepalive)
    found.push({ what: 'keepalive', asked: asked.keepalive, granted: keepAlive });
  return found;
}
