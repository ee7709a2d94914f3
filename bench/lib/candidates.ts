/**
 * The drained candidates by kind, so that the process a drain runs each one in
 * (drain-worker.ts) can make it from a line of JSON: a spec names the kind and its arguments.
 * NestJS is imported only by the processes that run it.
 */
import type { AckMode, QoS } from '../../src/index.js';
import { ackController, dtoController, libraryDtoController, plainController } from './controllers.js';
import { appCandidate, type Candidate, rawCandidate } from './subscribers.js';

const kinds = {
  /** Raw mqtt.js (the baseline); `subscriptionIdentifier` subscribes with one. */
  raw: (qos: QoS, subscriptionIdentifier?: number) =>
    rawCandidate(qos, subscriptionIdentifier === undefined ? {} : { subscriptionIdentifier }),
  /** koa-mqtt, `@TopicParam` and a plain `@Payload()`, among `extraHandlers` more handlers. */
  plain: (qos: QoS, extraHandlers = 0) => appCandidate([plainController(qos, extraHandlers)]),
  /** koa-mqtt with a DTO payload, compiled validation. */
  dto: (qos: QoS) => appCandidate([dtoController(qos)]),
  /** koa-mqtt with a DTO left to class-transformer and class-validator. */
  'dto-class-validator': (qos: QoS) => appCandidate([libraryDtoController(qos)]),
  /** koa-mqtt at QoS 1 with this ack mode, the handler awaiting `waitMs` first. */
  ack: (mode: AckMode, waitMs: number) => appCandidate([ackController(mode, waitMs)]),
  /** NestJS's MQTT transport, plain or with a `ValidationPipe` DTO. */
  nest: async (qos: QoS, dto: boolean) => (await import('./nest.js')).nestCandidate(qos, dto),
} satisfies Record<string, (...args: never[]) => Candidate | Promise<Candidate>>;

type Kinds = typeof kinds;
export type Kind = keyof Kinds;

/** A candidate as data: its name in the results, and what makes it. */
export interface CandidateSpec {
  readonly name: string;
  readonly kind: Kind;
  readonly args: readonly unknown[];
}

/** A spec, its arguments checked against the kind's. */
export function candidate<K extends Kind>(
  name: string,
  kind: K,
  ...args: Parameters<Kinds[K]>
): CandidateSpec {
  return { name, kind, args };
}

/** Makes the candidate a spec describes (in the process that runs it). */
export async function make(spec: CandidateSpec): Promise<Candidate> {
  const factory = kinds[spec.kind] as (...args: readonly unknown[]) => Candidate | Promise<Candidate>;
  if (factory === undefined) throw new Error(`unknown candidate kind ${String(spec.kind)}`);
  return factory(...spec.args);
}
