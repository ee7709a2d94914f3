import type { CandidateSpec } from './candidates.js';
import { dedicateCore } from './cores.js';
import type { DrainCommand, DrainReply } from './drain-protocol.js';
import { IpcChild } from './ipc-child.js';
import type { Publisher } from './publisher-client.js';
import { median, medianWithInterval, shuffle } from './stats.js';

/** Rounds drained before the counted ones (JIT, connections, the heap after start-up). */
const WARM_UP_ROUNDS = 4;

/** Share of each backlog handled before the timed span starts (the first reads after the release). */
export const WARM_UP = 0.1;

export interface DrainOptions {
  readonly publisher: Publisher;
  /** The broker's process, kept off the subscribers' core while they drain (cores.ts). */
  readonly brokerPid: number | undefined;
  /** The first is the baseline every ratio is taken against. */
  readonly candidates: readonly CandidateSpec[];
  readonly qos: 0 | 1;
  /** Messages each process drains in a round (the backlog published once per round). */
  readonly count: number;
  /** Processes of each candidate (default 1), each draining `count` in every round. */
  readonly processes?: number;
  /** Counted rounds, over all generations. */
  readonly rounds: number;
  /**
   * Sets of processes drained one after the other (default 1), each made, connected and warmed
   * up anew and given an even share of the rounds: what one process's compiled code and memory
   * were lucky or unlucky in stays for its life (drainBenchmark says how much), so more processes
   * over a run average more of it out.
   */
  readonly generations?: number;
  /** Prefix of the client ids. */
  readonly session: string;
  readonly timeoutMs?: number;
  /** Node options of the candidates' processes (`--cpu-prof`, say). */
  readonly execArgv?: readonly string[];
}

/** What one candidate did over the rounds. */
export interface DrainFigures {
  readonly name: string;
  /** Messages/s in each round (timed messages over the timed spans, summed over the processes). */
  readonly rates: number[];
  /** Rate / baseline rate of the same round. */
  readonly ratios: number[];
  /** Messages per CPU-second of the subscriber's process in each round (see `Sink.span`). */
  readonly cpuRates: number[];
  /** CPU rate / baseline CPU rate of the same round. */
  readonly cpuRatios: number[];
  /** Start-up, measured once per process: `open()` (app made, compiled, connecting, subscribing) until it resolved (ms, median). */
  startupMs: number;
  /** Messages that did not arrive within the time allowed, summed over the rounds. */
  lost: number;
  medianRate: number;
  /** The median of `ratios`: each round's rate over the baseline's in the same round. */
  medianRatio: number;
  medianCpuRate: number;
  /** The median of `cpuRatios`. */
  medianCpuRatio: number;
  /** 95 % interval of `medianCpuRatio` (stats.ts, `medianWithInterval`). */
  cpuRatioInterval: readonly [number, number];
  /** `medianCpuRate` over the baseline's: the ratio of the medians, unpaired, kept to compare. */
  unpairedCpuRatio: number;
}

/**
 * Node options of every candidate's process, for figures that repeat from one process to the
 * next. Measured here: two processes of the same candidate in one run differed by up to 11 %
 * with V8's defaults, because optimised code depended on when the background compiler took its
 * snapshot of the type feedback (with the optimiser off, they agreed within 2 %); and a young
 * generation left to grow from 1 MB made koa-mqtt 25 % faster between the first round and the
 * fifteenth. So code is optimised on the main thread, and both semi-spaces start at 16 MB,
 * the largest V8 grows them to by default: the heap a long-running service would have. And
 * V8's memory reducer is off: a process idles while the 30-odd others drain, so 8 s after its
 * heap grew the reducer ran its full collections, and in the 1,000-handler app (21 MB of old
 * generation) their 60-odd ms of marking landed inside a 17 ms drain: that app's QoS 1 ratio
 * fell from 1.8 to 0.5 in the second counted round of every set of processes, and to 1.3 in the
 * third. A service under steady load does not idle long enough for the reducer to start.
 */
export const CANDIDATE_NODE_OPTIONS: readonly string[] = [
  '--no-concurrent-recompilation',
  '--min-semi-space-size=16',
  '--max-semi-space-size=16',
  '--no-memory-reducer',
];

type Drained = Extract<DrainReply, { type: 'drained' }>;

/** A candidate's process (drain-worker.ts), connected, its backlog released by the gate. */
class Drainer {
  private readonly child: IpcChild<DrainCommand, DrainReply>;

  constructor(
    readonly clientId: string,
    execArgv: readonly string[],
  ) {
    this.child = new IpcChild(new URL('./drain-worker.js', import.meta.url), `drain ${clientId}`, execArgv);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Makes the candidate and connects it through the gate; resolves with its start-up (ms). */
  async open(spec: CandidateSpec, url: string): Promise<number> {
    const reply = await this.child.request({
      type: 'open',
      spec,
      options: { url, clientId: this.clientId, persistent: true },
    });
    return reply.type === 'opened' ? reply.startupMs : Number.NaN;
  }

  /** Has the gate hand this candidate its `count` held messages, and waits until they are handled. */
  async drain(publisher: Publisher, count: number, qos: 0 | 1, timeoutMs: number): Promise<Drained> {
    await this.child.request({ type: 'arm', count, skip: Math.floor(count * WARM_UP), timeoutMs });
    await publisher.release(this.clientId, count);
    const reply = await this.child.request({ type: 'result' });
    if (reply.type !== 'drained') throw new Error(`drain ${this.clientId}: unexpected ${reply.type}`);
    // The acks written last are handled by the gate and the broker before the next drain starts.
    await publisher.settle(this.clientId, qos === 1 ? count : 0);
    return reply;
  }

  /** Disconnects (the session stays) and ends the process. */
  close(): Promise<void> {
    return this.child.exit({ type: 'close' });
  }
}

/**
 * Throughput of each candidate draining the same backlog. Every candidate runs in processes
 * of its own (drain-worker.ts; `processes` of them), each connected once (per generation), through the
 * publisher's gate (gate.ts), and staying connected like a running service. Each round the
 * gate holds what the broker sends to all of them while the publisher (its own process)
 * sends `count` readings; then each process in turn gets its `count` messages at once and
 * drains them alone: every read is a full buffer, the code is warm, and the subscriber's own
 * work sets the pace, not the broker's; the candidates' processes have a core to themselves
 * meanwhile (cores.ts). The order interleaves the candidates and is shuffled every round (each
 * drain's acks are settled first: `Publisher.settle`). What is
 * timed is the messages only: from the arrival of message `count × WARM_UP` to the last, in
 * CPU time of the process and in wall-clock time; a candidate's figure for the round sums
 * its processes' spans, which evens out what one process was lucky or unlucky in. That luck
 * stays for the process's life: five processes of the 1,000-handler app drained QoS 1 at
 * 277k–324k messages per CPU-second in one run, each within 3 % over its own rounds (with one
 * hash seed and no address-space randomisation, still 275k–320k). With `generations`, new
 * processes take over the sessions every `rounds / generations` rounds, so a run samples more
 * of them. Start-up (connect, SUBSCRIBE, SUBACK) is measured once, when each process
 * connects. The first rounds of each generation (`WARM_UP_ROUNDS`), not counted, warm up.
 */
export async function drainBenchmark(options: DrainOptions): Promise<DrainFigures[]> {
  const { publisher, candidates, qos, count } = options;
  const processes = options.processes ?? 1;
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
      cpuRatioInterval: [Number.NaN, Number.NaN],
      unpairedCpuRatio: Number.NaN,
    }),
  );
  const execArgv = [...CANDIDATE_NODE_OPTIONS, ...(options.execArgv ?? [])];
  const generations = Math.max(1, Math.min(options.generations ?? 1, options.rounds));
  const startups: number[][] = candidates.map(() => []);
  // Every round drained, warm-up included: seeds the shuffled order (a new one each round).
  let drawn = 0;

  /** One generation: its processes made and connected, warmed up, then `rounds` counted rounds. */
  const generation = async (rounds: number): Promise<void> => {
    // drainers[p][i]: process p of candidate i. Each generation takes over the sessions of the last.
    const drainers = Array.from({ length: processes }, (_, p) =>
      candidates.map(
        (candidate) =>
          new Drainer(`${options.session}-${candidate.name}${processes > 1 ? `-${p}` : ''}`, execArgv),
      ),
    );
    let undo = async () => {};
    try {
      for (const [i, candidate] of candidates.entries()) {
        for (const slot of drainers) startups[i]!.push(await slot[i]!.open(candidate, publisher.gateUrl));
      }
      undo = await dedicateCore({
        measured: drainers.flat().map((drainer) => drainer.pid),
        others: [options.brokerPid, publisher.pid, process.pid],
      });
      for (let round = -WARM_UP_ROUNDS; round < rounds; round++, drawn++) {
        await publisher.holdAll();
        await publisher.burst(count, qos, { window: 500 });
        const spans = candidates.map(() => ({ timed: 0, wallMs: 0, cpuMicros: 0, short: false }));
        for (const [p, slot] of drainers.entries()) {
          for (const i of shuffle([...candidates.keys()], drawn * processes + p)) {
            const drained = await slot[i]!.drain(publisher, count, qos, options.timeoutMs ?? 60_000);
            spans[i]!.timed += drained.timed;
            spans[i]!.wallMs += drained.wallMs;
            spans[i]!.cpuMicros += drained.cpuMicros;
            figures[i]!.lost += count - drained.arrived;
            if (drained.arrived < count) spans[i]!.short = true;
          }
        }
        if (round >= 0) record(spans);
      }
      // The last round's acks go on to the broker before the subscribers disconnect.
      await publisher.holdAll();
    } finally {
      await undo();
      await Promise.all(drainers.flat().map((drainer) => drainer.close()));
    }
  };

  /** A counted round's figures; NaN for a candidate that lost messages in it. */
  const record = (
    spans: ReadonlyArray<{ timed: number; wallMs: number; cpuMicros: number; short: boolean }>,
  ) => {
    const rates = spans.map((span) => (span.short ? Number.NaN : (span.timed * 1000) / span.wallMs));
    const cpuRates = spans.map((span) => (span.short ? Number.NaN : (span.timed * 1e6) / span.cpuMicros));
    figures.forEach((figure, i) => {
      figure.rates.push(rates[i]!);
      figure.ratios.push(rates[i]! / rates[0]!);
      figure.cpuRates.push(cpuRates[i]!);
      figure.cpuRatios.push(cpuRates[i]! / cpuRates[0]!);
    });
  };

  for (let g = 0; g < generations; g++) {
    // The rounds split as evenly as they go: 31 over 5 generations is 7, 6, 6, 6, 6.
    await generation(Math.floor(options.rounds / generations) + (g < options.rounds % generations ? 1 : 0));
  }
  startups.forEach((list, i) => {
    figures[i]!.startupMs = median(list);
  });
  // Each ratio is the median of the rounds' own ratios: paired, because a round's candidates
  // drain within seconds of each other, while the machine's speed drifts over minutes (by up
  // to 80 % in one run here) and moves raw mqtt.js (kernel-bound) and the frameworks (bound by
  // their JavaScript) by different amounts. A median, so that a round in which one drain met a
  // slow spell of the shared machine moves nothing (bench/README.md, "Do two runs agree?").
  const baselineCpuRate = median(figures[0]!.cpuRates);
  for (const figure of figures) {
    const cpu = medianWithInterval(figure.cpuRatios);
    figure.medianRate = median(figure.rates);
    figure.medianCpuRate = median(figure.cpuRates);
    figure.medianRatio = medianWithInterval(figure.ratios).median;
    figure.medianCpuRatio = cpu.median;
    figure.cpuRatioInterval = [cpu.low, cpu.high];
    figure.unpairedCpuRatio = figure.medianCpuRate / baselineCpuRate;
  }
  return figures;
}
