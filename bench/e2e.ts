/**
 * End to end on Mosquitto: (a) raw mqtt.js, (b) a koa-mqtt handler with `@TopicParam` and a
 * plain `@Payload()`, (c) the same with a class-validator DTO, (d) (b) among 1,000 registered
 * handlers. Throughput at QoS 0 and 1 (messages/s and ratio to (a)), then latency at a fixed rate.
 */
import { type MosquittoBroker, startBenchMosquitto } from './lib/brokers.js';
import { type CandidateSpec, candidate } from './lib/candidates.js';
import { type DrainFigures, drainBenchmark } from './lib/drain.js';
import { type LatencyFigures, latencyBenchmark } from './lib/latency.js';
import { Publisher } from './lib/publisher-client.js';
import { relativeSpread, sig } from './lib/stats.js';

export interface E2eRow {
  readonly benchmark: 'e2e';
  readonly qos: 0 | 1;
  readonly candidate: string;
  /** Messages each process drains in a round. */
  readonly messages: number;
  /** Processes of the candidate at a time, each draining `messages` in every round. */
  readonly processes: number;
  /** Sets of `processes` that took over from each other, each for an even share of the rounds. */
  readonly generations: number;
  readonly rounds: number;
  readonly msgPerSec: number;
  /** Median over the rounds of the round's wall-clock rate over (a)'s in the same round. */
  readonly ratioToRaw: number;
  readonly ratios: number[];
  /** Messages per CPU-second of the subscriber process (median of rounds). */
  readonly msgPerCpuSec: number;
  /**
   * Median over the rounds of the round's messages per CPU-second over (a)'s in the same round
   * (paired: drain.ts says why): what the targets are judged on.
   */
  readonly cpuRatioToRaw: number;
  /** 95 % interval of `cpuRatioToRaw`, from the order statistics of `cpuRatios`. */
  readonly cpuRatioInterval: string;
  /** `msgPerCpuSec` over (a)'s: the ratio of the medians, which a drifting machine moves; to compare. */
  readonly unpairedCpuRatio: number;
  readonly cpuRatios: number[];
  /** Lowest and highest per-round CPU ratio: the spread behind the median. */
  readonly cpuRatioSpread: string;
  /** Lowest and highest per-round wall-clock ratio. */
  readonly ratioSpread: string;
  /** CPU time of the subscriber process per message (µs), median of rounds. */
  readonly cpuUsPerMessage: number;
  /** Messages per CPU-second in each round (the figures behind `msgPerCpuSec`). */
  readonly cpuRates: number[];
  /**
   * How far this candidate's own rate moved over the rounds: (90th percentile − 10th) / median
   * of `cpuRates`. On raw mqtt.js, whose code never changes, it measures the machine: above
   * `UNSTEADY` the run is flagged (bench/README.md).
   */
  readonly cpuRateSpread: number;
  /** Start-up, measured once per process: `open()` (create, compile, connect, SUBSCRIBE, SUBACK) until it resolved (ms, median). */
  readonly startupMs: number;
  readonly lost: number;
}

export interface LatencyRow {
  readonly benchmark: 'latency';
  readonly qos: 0 | 1;
  readonly candidate: string;
  readonly ratePerSec: number;
  readonly messages: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly lost: number;
}

export const HANDLERS_MANY = 1000;

/**
 * Each candidate drains 60,000 (QoS 0) or 25,000 (QoS 1) messages a round, over processes of
 * its own (drain.ts says why): at QoS 1 each process's luck makes more difference (up to 10 %
 * between two sets of three; 277k–324k messages per CPU-second over five processes of the
 * 1,000-handler app), so five of them, and five generations of five over the 31 rounds.
 */
const DRAINS = {
  0: { count: 20_000, processes: 3, rounds: 21, generations: 3 },
  1: { count: 5_000, processes: 5, rounds: 31, generations: 5 },
} as const;

/**
 * Above this `cpuRateSpread` of raw mqtt.js, the machine was not steady during the run. On this
 * machine when quiet, raw mqtt.js's rate moved by 4–8 % over the rounds; in a run where other
 * work on the host slowed every candidate by 40 % from round 17 on, by over 50 %.
 */
const UNSTEADY = 0.15;

/** Latency: raw, plain, DTO. Drains (`all`): also DTO by class-validator, 1,000 handlers, NestJS. */
function candidates(qos: 0 | 1, all: boolean): CandidateSpec[] {
  const list = [
    candidate('raw-mqttjs', 'raw', qos),
    candidate('koa-mqtt-plain', 'plain', qos),
    candidate('koa-mqtt-dto', 'dto', qos),
  ];
  if (all)
    list.push(
      candidate('koa-mqtt-dto-class-validator', 'dto-class-validator', qos),
      candidate(`koa-mqtt-plain-${HANDLERS_MANY}-handlers`, 'plain', qos, HANDLERS_MANY - 1),
      candidate('nestjs-plain', 'nest', qos, false),
      candidate('nestjs-dto', 'nest', qos, true),
    );
  return list;
}

function spread(all: readonly number[]): string {
  const values = all.filter(Number.isFinite);
  if (values.length === 0) return '–';
  return `${sig(Math.min(...values))}–${sig(Math.max(...values))}`;
}

async function withBroker<T>(fn: (broker: MosquittoBroker, publisher: Publisher) => Promise<T>): Promise<T> {
  const broker = await startBenchMosquitto();
  try {
    const publisher = await Publisher.start(broker.url);
    try {
      return await fn(broker, publisher);
    } finally {
      await publisher.close();
    }
  } finally {
    await broker.close();
  }
}

export async function run(options: { quick?: boolean } = {}): Promise<Array<E2eRow | LatencyRow>> {
  const quick = options.quick ?? false;
  const rows: Array<E2eRow | LatencyRow> = [];
  for (const qos of [0, 1] as const) {
    const { count, processes, rounds, generations } = quick
      ? { count: 2000, processes: 1, rounds: 1, generations: 1 }
      : DRAINS[qos];
    const figures: DrainFigures[] = await withBroker((broker, publisher) =>
      drainBenchmark({
        publisher,
        brokerPid: broker.pid,
        candidates: candidates(qos, true),
        qos,
        count,
        processes,
        rounds,
        generations,
        session: `e2e-q${qos}`,
      }),
    );
    const steadiness = relativeSpread(figures[0]!.cpuRates);
    if (steadiness > UNSTEADY)
      console.error(
        `[bench] e2e QoS ${qos}: UNSTEADY MACHINE: raw mqtt.js's own rate moved by ${Math.round(steadiness * 100)} % over the rounds (10th to 90th percentile; under ${Math.round(UNSTEADY * 100)} % on a quiet machine). Its ratios are paired per round, which cancels a slow drift, not every disturbance: read two runs' intervals (cpuRatioInterval) before a difference between them.`,
      );
    for (const figure of figures) {
      rows.push({
        benchmark: 'e2e',
        qos,
        candidate: figure.name,
        messages: count,
        processes,
        generations,
        rounds,
        msgPerSec: sig(figure.medianRate),
        ratioToRaw: sig(figure.medianRatio),
        ratios: figure.ratios.map((ratio) => sig(ratio)),
        msgPerCpuSec: sig(figure.medianCpuRate),
        cpuRatioToRaw: sig(figure.medianCpuRatio),
        cpuRatioInterval: spread(figure.cpuRatioInterval),
        unpairedCpuRatio: sig(figure.unpairedCpuRatio),
        cpuRatios: figure.cpuRatios.map((ratio) => sig(ratio)),
        cpuRatioSpread: spread(figure.cpuRatios),
        ratioSpread: spread(figure.ratios),
        cpuUsPerMessage: sig(1e6 / figure.medianCpuRate),
        cpuRates: figure.cpuRates.map((rate) => sig(rate)),
        cpuRateSpread: sig(relativeSpread(figure.cpuRates), 2),
        startupMs: sig(figure.startupMs),
        lost: figure.lost,
      });
    }
  }
  const rate = 1000;
  for (const qos of [0, 1] as const) {
    const count = quick ? 300 : 2000;
    const figures: LatencyFigures[] = await withBroker((broker, publisher) =>
      latencyBenchmark({
        url: broker.url,
        publisher,
        candidates: candidates(qos, false),
        qos,
        count,
        rate,
        rounds: quick ? 1 : 2,
        session: `lat-q${qos}`,
      }),
    );
    for (const figure of figures) {
      rows.push({
        benchmark: 'latency',
        qos,
        candidate: figure.name,
        ratePerSec: rate,
        messages: count,
        p50Ms: sig(figure.p50),
        p99Ms: sig(figure.p99),
        lost: figure.lost,
      });
    }
  }
  return rows;
}
