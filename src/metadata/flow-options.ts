import { MqttDefinitionError } from '../errors.js';

/**
 * What happens to a QoS 0 message that arrives while `maxQueued` QoS 0 messages already wait
 * for a handler: `drop-oldest` drops the one that waited longest (the newest data wins),
 * `drop-newest` drops the one arriving. QoS 1/2 messages are never dropped (see docs/delivery.md).
 */
export type Overflow = 'drop-oldest' | 'drop-newest';

/** Default of `maxQueued`: messages received and waiting for a handler slot, per QoS class. */
export const DEFAULT_MAX_QUEUED = 1000;
export const DEFAULT_OVERFLOW: Overflow = 'drop-oldest';
/** The largest Receive Maximum MQTT 5 allows (and the default a broker assumes). */
export const MAX_RECEIVE_MAXIMUM = 65_535;
/** Largest delay `setTimeout` honours (a larger one fires at once). */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * The MQTT 5 Receive Maximum to advertise in CONNECT: QoS 1/2 messages the broker may send us
 * unacknowledged. koa-mqtt acknowledges a message only once it left the local queue (`auto`:
 * its handlers started; `after-handler`: they settled), so this many running plus queued is
 * what the app takes: the broker keeps the rest.
 */
export function receiveMaximumFor(maxInFlight: number, maxQueued: number): number {
  return Math.max(1, Math.min(MAX_RECEIVE_MAXIMUM, maxQueued + Math.min(maxInFlight, MAX_RECEIVE_MAXIMUM)));
}

/**
 * Longest time reading may pause when more than `maxQueued` QoS 1/2 messages wait (a broker
 * that ignores or lacks Receive Maximum): a quarter of the keepalive, so a PINGRESP behind the
 * pause is still read long before mqtt.js gives up on it (1.5 × keepalive). 15 s without keepalive.
 */
export function pauseLimitMs(keepaliveSeconds: number | undefined): number {
  const keepalive = keepaliveSeconds ?? 60;
  return keepalive > 0 ? keepalive * 250 : 15_000;
}

function fail(option: string, value: unknown, rule: string): never {
  throw new MqttDefinitionError(`${option} must be ${rule}, got ${describe(value)}`);
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/** A positive integer option (`maxInFlight`, `maxQueued`, `concurrency`), or its default when undefined. */
export function positiveInteger(option: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || (value as number) < 1) fail(option, value, 'a positive integer');
  return value as number;
}

/** A `handlerTimeout` in ms (0 turns an inherited one off), or undefined when not given. */
export function timeoutOption(option: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > MAX_TIMER_MS)
    fail(option, value, `an integer number of ms from 0 (none) to ${MAX_TIMER_MS}`);
  return value as number;
}

export function overflowOption(value: unknown): Overflow {
  if (value === undefined) return DEFAULT_OVERFLOW;
  if (value !== 'drop-oldest' && value !== 'drop-newest')
    fail('overflow', value, '"drop-oldest" or "drop-newest"');
  return value;
}
