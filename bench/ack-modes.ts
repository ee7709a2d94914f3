/**
 * Throughput of QoS 1 handling with `ack: 'auto'` and `ack: 'after-handler'`, through a Mosquitto
 * process of its own. A raw mqtt.js publisher pipelines numbered QoS 1 messages (a bounded window
 * of unacknowledged publishes); the figure is messages handled per second, from the first publish
 * to the last handler settling. Two handlers: one that returns at once, one that waits `workMs`
 * (like a database write). Prints one JSON line.
 *
 *   node .build/bench/ack-modes.js [messages] [workMs]
 */
import 'reflect-metadata';
import { pathToFileURL } from 'node:url';
import { connectAsync } from 'mqtt';
import { type AckMode, createMqttApp, MqttController, Payload, silentLogger, Topic } from '../src/index.js';
import { startMosquitto } from '../test/helpers/mosquitto.js';

export interface AckModesOptions {
  /** Messages per run with the instant handler. Default 10000. */
  readonly messages?: number;
  /** Messages per run with the slow handler. Default 5000. */
  readonly slowMessages?: number;
  /** ms the slow handler waits. Default 1. */
  readonly workMs?: number;
  /** Unacknowledged publishes the publisher allows. Default 256. */
  readonly window?: number;
  /** Most handlers at once in the app. Default 64. */
  readonly maxInFlight?: number;
  /** Runs of each case, interleaved; the median is reported. Default 3. */
  readonly rounds?: number;
}

export interface AckModesResult {
  readonly bench: 'ack-modes';
  readonly messages: number;
  readonly slowMessages: number;
  readonly workMs: number;
  readonly maxInFlight: number;
  readonly rounds: number;
  /** msg/s (median of `rounds`), per mode, with the instant handler and the `workMs` one. */
  readonly instant: Record<AckMode, number>;
  readonly slow: Record<AckMode, number>;
}

export async function run(options: AckModesOptions = {}): Promise<AckModesResult> {
  const messages = options.messages ?? 10_000;
  const slowMessages = options.slowMessages ?? 5000;
  const workMs = options.workMs ?? 1;
  const window = options.window ?? 256;
  const maxInFlight = options.maxInFlight ?? 64;
  const broker = await startMosquitto({ maxQueuedMessages: 1_000_000 });
  try {
    const once = (ack: AckMode, count: number, work: number) =>
      measure(broker.url, { ack, count, work, window, maxInFlight });
    await once('auto', 1000, 0); // warm-up
    const rounds = options.rounds ?? 3;
    const runs = {
      instant: { auto: [] as number[], 'after-handler': [] as number[] },
      slow: { auto: [] as number[], 'after-handler': [] as number[] },
    };
    for (let round = 0; round < rounds; round++) {
      for (const ack of ['auto', 'after-handler'] as const) {
        runs.instant[ack].push(await once(ack, messages, 0));
        runs.slow[ack].push(await once(ack, slowMessages, workMs));
      }
    }
    const instant = {
      auto: median(runs.instant.auto),
      'after-handler': median(runs.instant['after-handler']),
    };
    const slow = { auto: median(runs.slow.auto), 'after-handler': median(runs.slow['after-handler']) };
    return { bench: 'ack-modes', messages, slowMessages, workMs, maxInFlight, rounds, instant, slow };
  } finally {
    await broker.close();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

interface MeasureOptions {
  readonly ack: AckMode;
  readonly count: number;
  readonly work: number;
  readonly window: number;
  readonly maxInFlight: number;
}

async function measure(
  url: string,
  { ack, count, work, window, maxInFlight }: MeasureOptions,
): Promise<number> {
  let handled = 0;
  let finish!: () => void;
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const wait = work > 0 ? () => new Promise((resolve) => setTimeout(resolve, work)) : () => Promise.resolve();
  @MqttController('bench')
  class BenchController {
    @Topic('ack', { qos: 1 })
    async on(@Payload() _n: string) {
      await wait();
      if (++handled === count) finish();
    }
  }
  const app = createMqttApp({
    url,
    controllers: [BenchController],
    logger: silentLogger,
    ack,
    maxInFlight,
  });
  await app.start();
  const publisher = await connectAsync(url, { reconnectPeriod: 0 });
  try {
    const started = performance.now();
    let next = 0;
    let inFlight = 0;
    await new Promise<void>((resolve, reject) => {
      const pump = () => {
        while (inFlight < window && next < count) {
          inFlight++;
          publisher.publish('bench/ack', String(next++), { qos: 1 }, (error) => {
            if (error) return reject(error);
            inFlight--;
            if (next < count) pump();
            else if (inFlight === 0) resolve();
          });
        }
      };
      pump();
    });
    await done;
    const seconds = (performance.now() - started) / 1000;
    return Math.round(count / seconds);
  } finally {
    await publisher.endAsync(true);
    await app.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const messages = process.argv[2] ? Number(process.argv[2]) : undefined;
  const workMs = process.argv[3] ? Number(process.argv[3]) : undefined;
  const result = await run({ messages, workMs });
  console.log(JSON.stringify(result));
}
