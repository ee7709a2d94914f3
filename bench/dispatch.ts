/**
 * Dispatch benchmark: lookups per second of the topic trie against a linear scan with
 * matchTopic over every filter, for N = 1, 100, 1,000 and 10,000 filters.
 *
 * Filter i is `site{i}/+/temperature` (even i) or `site{i}/device/#` (odd i), so every topic
 * has exactly one matching handler among N, and 4,096 topics spread over the sites. Trie and
 * scan are timed alternately, several rounds each, and the median is kept. Prints one JSON line
 * per N. `run()` returns the rows for a bench runner.
 *
 *   npm run bench:dispatch [-- --quick]
 */
import { pathToFileURL } from 'node:url';
import { matchTopic } from '../src/topic/match.js';
import { TopicTrie } from '../src/topic/trie.js';

/** How to run the benchmark. */
export interface DispatchBenchOptions {
  /** Fewer, shorter rounds: a smoke run. */
  readonly quick?: boolean;
  readonly sizes?: readonly number[];
  /** Called with each row as soon as it is measured; defaults to printing a JSON line. */
  readonly report?: (row: DispatchBenchRow) => void;
}

/** One measured N. */
export interface DispatchBenchRow {
  readonly bench: 'dispatch';
  readonly n: number;
  readonly trieOpsPerSec: number;
  readonly linearOpsPerSec: number;
  /** trieOpsPerSec / linearOpsPerSec. */
  readonly ratio: number;
}

const SIZES = [1, 100, 1_000, 10_000];
const TOPICS = 4_096;

/** One N, ready to measure: the trie lookup, the linear scan, the topics, and the rates so far. */
interface Setup {
  readonly n: number;
  readonly viaTrie: (topic: string) => number;
  readonly viaScan: (topic: string) => number;
  readonly topics: readonly string[];
  readonly trieRates: number[];
  readonly scanRates: number[];
}

/**
 * Runs the benchmark and returns its rows (also reported one by one). Every N is built first,
 * then each round measures every N, trie then scan, so that a noisy moment of the machine
 * weighs on all sizes alike; each rate is the median of its rounds.
 */
export function run(options: DispatchBenchOptions = {}): DispatchBenchRow[] {
  const rounds = options.quick ? 3 : 7;
  const roundMs = options.quick ? 60 : 250;
  const report = options.report ?? ((row: DispatchBenchRow) => console.log(JSON.stringify(row)));
  const setups = (options.sizes ?? SIZES).map(setUp);
  for (const setup of setups) {
    opsPerSec(setup.viaTrie, setup.topics, roundMs); // warm-up
    opsPerSec(setup.viaScan, setup.topics, roundMs);
  }
  for (let round = 0; round < rounds; round++) {
    for (const setup of setups) {
      setup.trieRates.push(opsPerSec(setup.viaTrie, setup.topics, roundMs));
      setup.scanRates.push(opsPerSec(setup.viaScan, setup.topics, roundMs));
    }
  }
  return setups.map((setup) => {
    const trieOpsPerSec = Math.round(median(setup.trieRates));
    const linearOpsPerSec = Math.round(median(setup.scanRates));
    const ratio = Math.round((trieOpsPerSec / linearOpsPerSec) * 100) / 100;
    const row: DispatchBenchRow = { bench: 'dispatch', n: setup.n, trieOpsPerSec, linearOpsPerSec, ratio };
    report(row);
    return row;
  });
}

function setUp(n: number): Setup {
  const filters = Array.from({ length: n }, (_, i) =>
    i % 2 === 0 ? `site${i}/+/temperature` : `site${i}/device/#`,
  );
  const trie = new TopicTrie<number>();
  filters.forEach((filter, i) => {
    trie.add(filter, i);
  });
  const topics = Array.from({ length: TOPICS }, (_, k) => {
    const i = (k * 7_919) % n;
    const topic = i % 2 === 0 ? `site${i}/probe${k % 13}/temperature` : `site${i}/device/status`;
    return Buffer.from(topic).toString(); // a flat string, as decoded from a packet (not a rope)
  });
  const viaTrie = (topic: string) => trie.match(topic).length;
  const viaScan = (topic: string) => {
    let found = 0;
    for (const filter of filters) if (matchTopic(filter, topic)) found++;
    return found;
  };
  for (const topic of topics.slice(0, 256)) {
    if (viaTrie(topic) !== 1 || viaScan(topic) !== 1) throw new Error(`expected one handler for ${topic}`);
  }
  return { n, viaTrie, viaScan, topics, trieRates: [], scanRates: [] };
}

let sink = 0;

/** Calls `lookup` over the topics, in chunks, until `ms` have passed; returns calls per second. */
function opsPerSec(lookup: (topic: string) => number, topics: readonly string[], ms: number): number {
  const chunk = 16;
  let calls = 0;
  let next = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(ms) * 1_000_000n;
  let now = start;
  do {
    for (let k = 0; k < chunk; k++) {
      sink += lookup(topics[next]!);
      next = next + 1 === topics.length ? 0 : next + 1;
    }
    calls += chunk;
    now = process.hrtime.bigint();
  } while (now < deadline);
  return (calls * 1e9) / Number(now - start);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  run({ quick: process.argv.includes('--quick') });
  if (sink === -1) console.log(sink);
}
