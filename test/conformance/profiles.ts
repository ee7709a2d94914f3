import type { BrokerLimits } from '../../src/index.js';
import { startAedes } from '../helpers/brokers/aedes.js';
import { type BrokerProgram, brokerSkipReason } from '../helpers/brokers/available.js';
import type { BrokerCredentials } from '../helpers/brokers/broker-process.js';
import { startEjabberd } from '../helpers/brokers/ejabberd.js';
import { startMosquittoWithDuplicates, startMosquittoWithLimits } from '../helpers/brokers/mosquitto.js';
import { startNats } from '../helpers/brokers/nats.js';
import { startRabbitMq } from '../helpers/brokers/rabbitmq.js';
import { startMosquitto } from '../helpers/mosquitto.js';

/** The features of the suite, one `describe`-level case group each. */
export type FeatureId =
  | 'protocol'
  | 'params'
  | 'qos'
  | 'retained'
  | 'overlap'
  | 'dollar'
  | 'runtime'
  | 'share'
  | 'session'
  | 'acks'
  | 'request'
  | 'oversize'
  | 'flow';

/** What one broker does, as measured here: drives the conformance suite and docs/brokers.md. */
export interface BrokerProfile {
  /** Short id: the suite's topic prefix and the test file's name. */
  readonly id: string;
  /** The broker as docs/brokers.md names it. */
  readonly name: string;
  /** The program started (undefined: aedes, in process). */
  readonly program: BrokerProgram | undefined;
  /** The protocol the app ends up on. */
  readonly protocol: '5' | '3.1.1';
  /**
   * How the app gets to `protocol`: `native` (the broker takes MQTT 5), `connack` (it refuses
   * MQTT 5 with CONNACK 0x01 and the app falls back), `close` (it closes the socket on an MQTT 5
   * CONNECT with no CONNACK, and the app falls back), `configured` (the app is told
   * `protocolVersion: 4`: the broker would take 5).
   */
  readonly fallback: 'native' | 'connack' | 'close' | 'configured';
  /** Highest QoS the broker accepts in a PUBLISH; a QoS 2 subscription is granted this. */
  readonly maxQos: 0 | 1 | 2;
  /** Retained messages: kept and sent to every matching filter, only to exact filters, or refused. */
  readonly retain: 'yes' | 'exact-filter-only' | 'no';
  /** Maximum Packet Size in bytes (undefined: none enforced below 5,000 bytes). */
  readonly maxPacketSize: number | undefined;
  /**
   * Receive Maximum: QoS 1/2 publishes the broker takes at once (undefined: none seen). Mosquitto
   * 2.0 announces 20 on MQTT 5; on 3.1.1 it cannot, and silently drops QoS 2 publishes beyond 20
   * in flight (acknowledged, never delivered), so it must be declared there.
   */
  readonly receiveMaximum: number | undefined;
  /** `$share/{group}/…` subscriptions work (false: refused, or taken as a literal topic). */
  readonly shared: boolean;
  /** MQTT 5 subscription identifiers. */
  readonly subscriptionIds: boolean;
  /** Copies of one message a client gets for overlapping subscriptions. */
  readonly copiesPerOverlap: 'one' | 'one per subscription';
  /** PUBLISH to a `$…` topic: delivered to `$…` filters, or refused (PUBACK 0x90). */
  readonly dollarTopics: 'delivered' | 'refused';
  /** Longest session expiry the broker grants, seconds (undefined: what the client asks). */
  readonly sessionExpiryCap: number | undefined;
  /** What the app must declare in `brokerLimits` for what the broker does not announce. */
  readonly brokerLimits: BrokerLimits;
  /** When the broker sends an unacknowledged QoS 1 message again. */
  readonly redelivery: 'on reconnect' | 'after mqtt.ack_wait';
  /**
   * Features the library does not yet meet on this broker: the suite leaves their cases out and
   * says why. Each entry is a defect to fix, listed in docs/brokers.md too.
   */
  readonly knownGaps?: Partial<Record<FeatureId, string>>;
  /** The app's `protocolVersion` option (undefined: MQTT 5 with fallback). */
  readonly protocolVersion: 4 | undefined;
  /** Starts the broker (on free ports, with its own dirs). */
  start(): Promise<RunningBroker>;
}

export interface RunningBroker {
  readonly url: string;
  readonly credentials?: BrokerCredentials | undefined;
  close(): Promise<void>;
}

/** Why the profile's broker cannot run here (false: it can); throws on CI. */
export function profileSkipReason(profile: BrokerProfile): string | false {
  return profile.program === undefined ? false : brokerSkipReason(profile.program);
}

const MOSQUITTO_5: BrokerProfile = {
  id: 'mosquitto-5',
  name: 'Mosquitto 2.0 (MQTT 5)',
  program: 'mosquitto',
  protocol: '5',
  fallback: 'native',
  maxQos: 2,
  retain: 'yes',
  maxPacketSize: undefined,
  receiveMaximum: 20,
  shared: true,
  subscriptionIds: true,
  copiesPerOverlap: 'one per subscription',
  dollarTopics: 'delivered',
  sessionExpiryCap: undefined,
  redelivery: 'on reconnect',
  brokerLimits: {},
  protocolVersion: undefined,
  start: () => startMosquitto(),
};

/** Every broker of the conformance suite, in docs/brokers.md's order. */
export const PROFILES = {
  aedes: {
    id: 'aedes',
    name: 'aedes (koa-mqtt/testing)',
    program: undefined,
    protocol: '3.1.1',
    fallback: 'connack',
    maxQos: 2,
    retain: 'yes',
    maxPacketSize: undefined,
    receiveMaximum: undefined,
    shared: false,
    subscriptionIds: false,
    copiesPerOverlap: 'one',
    dollarTopics: 'delivered',
    sessionExpiryCap: undefined,
    redelivery: 'on reconnect',
    brokerLimits: { sharedSubscriptions: false },
    protocolVersion: undefined,
    start: () => startAedes(),
  },
  mosquitto5: MOSQUITTO_5,
  mosquitto311: {
    ...MOSQUITTO_5,
    id: 'mosquitto-311',
    name: 'Mosquitto 2.0 (MQTT 3.1.1)',
    protocol: '3.1.1',
    fallback: 'configured',
    subscriptionIds: false,
    copiesPerOverlap: 'one',
    brokerLimits: { receiveMaximum: 20 },
    protocolVersion: 4,
  },
  mosquittoLimits: {
    ...MOSQUITTO_5,
    id: 'mosquitto-limits',
    name: 'Mosquitto 2.0 with limits (MQTT 5)',
    maxQos: 1,
    retain: 'no',
    maxPacketSize: 2000,
    receiveMaximum: 2,
    start: () => startMosquittoWithLimits(),
  },
  mosquittoDuplicates: {
    ...MOSQUITTO_5,
    id: 'mosquitto-duplicates',
    name: 'Mosquitto 2.0 with allow_duplicate_messages (MQTT 3.1.1)',
    protocol: '3.1.1',
    fallback: 'configured',
    subscriptionIds: false,
    copiesPerOverlap: 'one per subscription',
    brokerLimits: { receiveMaximum: 20, copyPerSubscription: true },
    protocolVersion: 4,
    start: () => startMosquittoWithDuplicates(),
  },
  nats: {
    id: 'nats',
    name: 'NATS 2.9 (MQTT listener)',
    program: 'nats-server',
    protocol: '3.1.1',
    fallback: 'connack',
    maxQos: 1,
    retain: 'yes',
    maxPacketSize: undefined,
    receiveMaximum: undefined,
    shared: false,
    subscriptionIds: false,
    copiesPerOverlap: 'one per subscription',
    dollarTopics: 'delivered',
    sessionExpiryCap: undefined,
    redelivery: 'after mqtt.ack_wait',
    brokerLimits: {
      maxQos: 1,
      sharedSubscriptions: false,
      copyPerSubscription: true,
      wildcardsMatchDollarTopics: true,
    },
    protocolVersion: undefined,
    // ack_wait 2 s instead of 30 s: an unacknowledged message comes back within the test's wait.
    start: () => startNats({ mqtt: ['ack_wait: "2s"'] }),
  },
  rabbitmq: {
    id: 'rabbitmq',
    name: 'RabbitMQ 3.10 (rabbitmq_mqtt)',
    program: 'rabbitmq-server',
    protocol: '3.1.1',
    fallback: 'close',
    maxQos: 1,
    retain: 'exact-filter-only',
    maxPacketSize: undefined,
    receiveMaximum: undefined,
    shared: false,
    subscriptionIds: false,
    copiesPerOverlap: 'one',
    dollarTopics: 'delivered',
    sessionExpiryCap: undefined,
    redelivery: 'on reconnect',
    brokerLimits: { maxQos: 1, sharedSubscriptions: false },
    protocolVersion: undefined,
    start: () => startRabbitMq(),
  },
  ejabberd: {
    id: 'ejabberd',
    name: 'ejabberd 23.01 (mod_mqtt)',
    program: 'ejabberd',
    protocol: '5',
    fallback: 'native',
    maxQos: 2,
    retain: 'yes',
    maxPacketSize: undefined,
    receiveMaximum: undefined,
    shared: false,
    subscriptionIds: true,
    copiesPerOverlap: 'one per subscription',
    dollarTopics: 'refused',
    sessionExpiryCap: 300,
    redelivery: 'on reconnect',
    brokerLimits: {},
    protocolVersion: undefined,
    start: () => startEjabberd(),
  },
} as const satisfies Record<string, BrokerProfile>;

export const PROFILE_LIST: readonly BrokerProfile[] = Object.values(PROFILES);
