import { dedicateCore } from './cores.js';
import type { Publisher } from './publisher-client.js';
import { sink } from './sink.js';
import { median, rotate } from './stats.js';
import type { Candidate, Subscriber } from './subscribers.js';

/** Share of each backlog handled before the timed span starts (the first reads after the release). */
export const WARM_UP = 0.1;

export interface DrainOptions {
  readonly publisher: Publisher;
  /** The broker's process, kept off the subscribers' core while they drain (cores.ts). */
  readonly brokerPid: number | undefined;
  /** The first is the baseline every ratio is taken against. */
  readonly candidates: readonly Candidate[];
  readonly qos: 0 | 1;
  readonly count: number;
  readonly rounds: number;
  /** Prefix of the client ids. */
  readonly session: string;
  readonly timeoutMs?: number;
}

/** What one candidate did over the rounds. */
export interface DrainFigures {
  readonly name: string;
  /** Messages/s in each round (first to last arrival). */
  readonly rates: number[];
  /** Rate / baseline rate of the same round. */
  readonly ratios: number[];
  /** Messages per CPU-second of the subscriber's process in each round (see `Sink.cpuRate`). */
  readonly cpuRates: number[];
  /** CPU rate / baseline CPU rate of the same round. */
  readonly cpuRatios: number[];
  /** Start-up, measured once: `open()` (app made, compiled, connecting, subscribing) until it resolved (ms). */
  startupMs: number;
  /** Messages that did not arrive within the time allowed, summed over the rounds. */
  lost: number;
  medianRate: number;
  /** `medianRate` over the baseline's (the ratio of the medians; `ratios` gives the spread). */
  medianRatio: number;
  medianCpuRate: number;
  /** `medianCpuRate` over the baseline's. */
  medianCpuRatio: number;
}

/**
 * Throughput of each candidate draining the same backlog. Every candidate connects once,
 * through the publisher's gate (gate.ts), and stays connected like a running service. Each
 * round the gate holds what the broker sends to all of them while the publisher (its own
 * process) sends `count` readings; then each candidate in turn (the order rotates every round)
 * gets its `count` messages at once and drains them alone: every read is a full buffer, the
 * code is warm, and the subscriber's own work sets the pace, not the broker's; the subscribers
 * have a core of their own meanwhile (cores.ts). What is timed is
 * the messages only: from the arrival of message `count × WARM_UP` to the last. Start-up
 * (connect, SUBSCRIBE, SUBACK) is measured once, when each candidate connects. A first round,
 * not counted, warms up.
 */
export async function drainBenchmark(options: DrainOptions): Promise<DrainFigures[]> {
  const { publisher, candidates, qos, count } = options;
  const figures = candidates.map(
    (candidate): DrainFigures => ({
      name: candidate.name,
      rates: [],
      ratios: [],
      cpuRates: [],
      cpuRatios: [],
      startupMs: Number.NaN,
      lost: 0,
      medianRate: Number.NaN,
      medianRatio: Number.NaN,
      medianCpuRate: Number.NaN,
      medianCpuRatio: Number.NaN,
    }),
  );
  const id = (candidate: Candidate) => `${options.session}-${candidate.name}`;
  const subscribers: Subscriber[] = [];
  const undo = await dedicateCore([options.brokerPid, publisher.pid]);
  try {
    for (const [i, candidate] of candidates.entries()) {
      const opened = performance.now();
      subscribers.push(
        await candidate.open({
          url: publisher.gateUrl,
          clientId: id(candidate),
          persistent: true,
        }),
      );
      figures[i]!.startupMs = performance.now() - opened;
    }
    // Round -1 warms up (JIT, connections) and is not counted.
    for (let round = -1; round < options.rounds; round++) {
      await publisher.holdAll();
      await publisher.burst(count, qos, { window: 500 });
      const rates = new Map<Candidate, number>();
      const cpuRates = new Map<Candidate, number>();
      for (const candidate of rotate(candidates, Math.max(0, round))) {
        const i = candidates.indexOf(candidate);
        sink.reset(count, { skip: Math.floor(count * WARM_UP) });
        await publisher.release(id(candidate), count);
        await sink.done(options.timeoutMs ?? 60_000);
        rates.set(candidate, sink.rate());
        cpuRates.set(candidate, sink.cpuRate());
        figures[i]!.lost += count - sink.count;
      }
      if (round < 0) continue;
      const baseline = rates.get(candidates[0]!)!;
      const cpuBaseline = cpuRates.get(candidates[0]!)!;
      candidates.forEach((candidate, i) => {
        figures[i]!.rates.push(rates.get(candidate)!);
        figures[i]!.ratios.push(rates.get(candidate)! / baseline);
        figures[i]!.cpuRates.push(cpuRates.get(candidate)!);
        figures[i]!.cpuRatios.push(cpuRates.get(candidate)! / cpuBaseline);
      });
    }
    // The last round's acks go on to the broker before the subscribers disconnect.
    await publisher.holdAll();
  } finally {
    for (const subscriber of subscribers) await subscriber.close();
    await undo();
  }
  // The ratio of the medians: a round where either drain met a slow spell of the shared
  // machine (seconds long, a third slower) spoils that round's ratio, but not either median.
  const baseline = figures[0]!;
  const [rate, cpuRate] = [median(baseline.rates), median(baseline.cpuRates)];
  for (const figure of figures) {
    figure.medianRate = median(figure.rates);
    figure.medianCpuRate = median(figure.cpuRates);
    figure.medianRatio = figure.medianRate / rate;
    figure.medianCpuRatio = figure.medianCpuRate / cpuRate;
  }
  return figures;
}
