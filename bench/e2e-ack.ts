/**
 * Ack modes at QoS 1 on Mosquitto: `after-handler` against `auto`, with a handler that does
 * nothing (but count) and with one that awaits 1 ms. `after-handler` holds mqtt.js's packet
 * callback until the handler settled, so an async handler serialises the stream.
 */
import { startBenchMosquitto } from './lib/brokers.js';
import { candidate } from './lib/candidates.js';
import { drainBenchmark } from './lib/drain.js';
import { Publisher } from './lib/publisher-client.js';
import { sig } from './lib/stats.js';

export interface AckRow {
  readonly benchmark: 'ack';
  readonly handler: 'noop' | 'await-1ms';
  readonly ack: 'auto' | 'after-handler';
  readonly messages: number;
  readonly rounds: number;
  readonly msgPerSec: number;
  /** Median of after-handler / auto within a round (1 for auto). */
  readonly ratioToAuto: number;
  /** The same from CPU time of the app process (see `Sink.cpuRate`). */
  readonly cpuRatioToAuto: number;
  readonly lost: number;
}

export async function run(options: { quick?: boolean } = {}): Promise<AckRow[]> {
  const quick = options.quick ?? false;
  const rows: AckRow[] = [];
  const broker = await startBenchMosquitto();
  try {
    const publisher = await Publisher.start(broker.url);
    try {
      for (const [handler, waitMs] of [
        ['noop', 0],
        ['await-1ms', 1],
      ] as const) {
        // The noop pair measures what an ack mode costs, so it gets e2e.ts's method: processes
        // and generations of them (with one process and 3 rounds, two full runs gave 0.85 and
        // 1.13); the 1 ms pair says how runs start, which one process shows.
        const { count, rounds, processes, generations } = quick
          ? { count: waitMs ? 200 : 1000, rounds: 1, processes: 1, generations: 1 }
          : waitMs
            ? { count: 2000, rounds: 9, processes: 1, generations: 1 }
            : { count: 5000, rounds: 9, processes: 3, generations: 3 };
        const figures = await drainBenchmark({
          publisher,
          brokerPid: broker.pid,
          candidates: [
            candidate('auto', 'ack', 'auto', waitMs),
            candidate('after-handler', 'ack', 'after-handler', waitMs),
          ],
          qos: 1,
          count,
          rounds,
          processes,
          generations,
          session: `ack-${handler}`,
        });
        for (const figure of figures) {
          rows.push({
            benchmark: 'ack',
            handler,
            ack: figure.name as AckRow['ack'],
            messages: count,
            rounds,
            msgPerSec: sig(figure.medianRate),
            ratioToAuto: sig(figure.medianRatio),
            cpuRatioToAuto: sig(figure.medianCpuRatio),
            lost: figure.lost,
          });
        }
      }
    } finally {
      await publisher.close();
    }
  } finally {
    await broker.close();
  }
  return rows;
}
