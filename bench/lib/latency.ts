import { type CandidateSpec, make } from './candidates.js';
import type { Publisher } from './publisher-client.js';
import { sink } from './sink.js';
import { median, percentile, rotate } from './stats.js';

export interface LatencyOptions {
  readonly url: string;
  readonly publisher: Publisher;
  /** Made in this process: the handler and the sink share its clock. */
  readonly candidates: readonly CandidateSpec[];
  readonly qos: 0 | 1;
  readonly count: number;
  /** Messages per second: moderate, so that latency is not queueing. */
  readonly rate: number;
  readonly rounds: number;
  readonly session: string;
}

export interface LatencyFigures {
  readonly name: string;
  /** Medians over the rounds of each round's percentile, in ms. */
  p50: number;
  p99: number;
  lost: number;
}

/** Share of each round's first messages left out (connection warm-up, JIT). */
const WARM_UP = 0.1;

/**
 * Publish-to-handler latency at a fixed rate: the publisher (its own process) stamps each
 * payload with the monotonic clock, the handler subtracts it from its own clock.
 */
export async function latencyBenchmark(options: LatencyOptions): Promise<LatencyFigures[]> {
  const { url, publisher, candidates, qos, count, rate } = options;
  const p50s = candidates.map((): number[] => []);
  const p99s = candidates.map((): number[] => []);
  const lost = candidates.map(() => 0);
  for (let round = 0; round < options.rounds; round++) {
    for (const candidate of rotate(candidates, round)) {
      const i = candidates.indexOf(candidate);
      sink.reset(count, { latency: true });
      const clientId = `${options.session}-${candidate.name}-${round}`;
      const subscriber = await (await make(candidate)).open({ url, clientId, persistent: false });
      await publisher.paced(count, qos, rate);
      await sink.done(10_000);
      await subscriber.close();
      lost[i]! += count - sink.count;
      const samples = sink.latencies.slice(Math.floor(sink.latencies.length * WARM_UP));
      p50s[i]!.push(percentile(samples, 50) / 1000);
      p99s[i]!.push(percentile(samples, 99) / 1000);
    }
  }
  return candidates.map((candidate, i) => ({
    name: candidate.name,
    p50: median(p50s[i]!),
    p99: median(p99s[i]!),
    lost: lost[i]!,
  }));
}
