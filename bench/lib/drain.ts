import type { Publisher } from './publisher-client.js';
import { sink } from './sink.js';
import { median, rotate } from './stats.js';
import type { Candidate } from './subscribers.js';

/** Share of each backlog handled before the timed span starts (start-up and JIT warm-up). */
export const WARM_UP = 0.1;

export interface DrainOptions {
  readonly url: string;
  readonly publisher: Publisher;
  /** The first is the baseline every ratio is taken against. */
  readonly candidates: readonly Candidate[];
  readonly qos: 0 | 1;
  readonly count: number;
  readonly rounds: number;
  /** Prefix of the client ids (each candidate keeps one persistent session). */
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
  /** Start-up in each round: from `open()` (app made, compiled, connecting) to the first message handled (ms). */
  readonly startupMs: number[];
  /** Messages that did not arrive within the time allowed, summed over the rounds. */
  lost: number;
  medianRate: number;
  medianRatio: number;
  medianCpuRate: number;
  medianCpuRatio: number;
}

/**
 * Throughput of each candidate draining the same backlog. Each candidate has a persistent
 * session; each round the publisher (its own process) fills every session's queue with
 * `count` readings while all are offline, then each candidate in turn (rotated each round)
 * connects and drains its queue alone. Only the subscriber's work on messages is timed: from
 * the arrival of message `count × WARM_UP` to the last, so neither the publisher's speed nor
 * start-up weighs on the figure. Start-up (compiling, connecting, sending SUBSCRIBEs, which
 * interleaves with the first queued messages) is reported apart, as open-to-first-message.
 * Mosquitto answers the SUBSCRIBEs only after the backlog, so waiting for `start()` would
 * wait for the drain itself. A first round, not counted, warms up.
 */
export async function drainBenchmark(options: DrainOptions): Promise<DrainFigures[]> {
  const { url, publisher, candidates, qos, count } = options;
  const id = (candidate: Candidate) => `${options.session}-${candidate.name}`;
  for (const candidate of candidates) {
    const subscriber = await candidate.open({
      url,
      clientId: id(candidate),
      persistent: true,
      subscribe: true,
    });
    await subscriber.close();
  }
  const figures = candidates.map(
    (candidate): DrainFigures => ({
      name: candidate.name,
      rates: [],
      ratios: [],
      cpuRates: [],
      cpuRatios: [],
      startupMs: [],
      lost: 0,
      medianRate: Number.NaN,
      medianRatio: Number.NaN,
      medianCpuRate: Number.NaN,
      medianCpuRatio: Number.NaN,
    }),
  );
  // Round -1 warms up (JIT, connections) and is not counted.
  for (let round = -1; round < options.rounds; round++) {
    await publisher.burst(count, qos, { window: 500 });
    const rates = new Map<Candidate, number>();
    const cpuRates = new Map<Candidate, number>();
    for (const candidate of rotate(candidates, Math.max(0, round))) {
      sink.reset(count, { skip: Math.floor(count * WARM_UP) });
      const opened = performance.now();
      const subscriber = await candidate.open({
        url,
        clientId: id(candidate),
        persistent: true,
        subscribe: false,
      });
      await sink.done(options.timeoutMs ?? 60_000);
      const figure = figures[candidates.indexOf(candidate)]!;
      if (round >= 0) figure.startupMs.push(sink.firstArrival - opened);
      rates.set(candidate, sink.rate());
      cpuRates.set(candidate, sink.cpuRate());
      figure.lost += count - sink.count;
      await subscriber.close();
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
  for (const figure of figures) {
    figure.medianRate = median(figure.rates);
    figure.medianRatio = median(figure.ratios);
    figure.medianCpuRate = median(figure.cpuRates);
    figure.medianCpuRatio = median(figure.cpuRatios);
  }
  return figures;
}
