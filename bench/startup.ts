/**
 * Start-up: time from `start()` to ready (connected, every SUBACK received) for an app with
 * 1,000 handlers, against the same with one handler and against the broker round trips alone
 * (raw mqtt.js: connect, then one SUBSCRIBE of the same 1,000 filters). Alternating, several rounds.
 */
import mqtt from 'mqtt';
import { type Constructable, createMqttApp, silentLogger } from '../src/index.js';
import { startBenchMosquitto } from './lib/brokers.js';
import { manyHandlersController, plainController } from './lib/controllers.js';
import { median, rotate, sig } from './lib/stats.js';

export interface StartupRow {
  readonly benchmark: 'startup';
  readonly handlers: number;
  readonly rounds: number;
  /** createMqttApp() (definitions), ms. */
  readonly createMs: number;
  /** start() to ready with `handlers` handlers, ms. */
  readonly startMs: number;
  /** start() to ready with one handler, ms. */
  readonly startOneMs: number;
  /** Raw mqtt.js connect + SUBSCRIBE of the same filters + SUBACK, ms. */
  readonly rawMs: number;
  /** Median over rounds of startMs − rawMs: the library's own start-up cost. */
  readonly beyondBrokerMs: number;
}

const HANDLERS = 1000;

export async function run(options: { quick?: boolean } = {}): Promise<StartupRow[]> {
  const rounds = options.quick ? 2 : 7;
  const broker = await startBenchMosquitto();
  let ids = 0;
  const many = manyHandlersController(HANDLERS - 1);
  const one = plainController(0);
  // The same filters the app subscribes: sensors/+/temperature and sensors/+/metric{i}.
  const filters = [
    'sensors/+/temperature',
    ...Array.from({ length: HANDLERS - 1 }, (_, i) => `sensors/+/metric${i}`),
  ];

  const timeApp = async (controllers: Constructable[]): Promise<{ create: number; start: number }> => {
    const t0 = performance.now();
    const app = createMqttApp({
      url: broker.url,
      clientId: `startup-${ids++}`,
      protocolVersion: 5,
      logger: silentLogger,
      controllers,
    });
    const t1 = performance.now();
    await app.start();
    const t2 = performance.now();
    await app.stop();
    return { create: t1 - t0, start: t2 - t1 };
  };
  const timeRaw = async (): Promise<number> => {
    const t0 = performance.now();
    const client = await mqtt.connectAsync(broker.url, {
      clientId: `startup-${ids++}`,
      protocolVersion: 5,
      reconnectPeriod: 0,
    });
    await client.subscribeAsync(Object.fromEntries(filters.map((filter) => [filter, { qos: 0 as const }])));
    const elapsed = performance.now() - t0;
    await client.endAsync();
    return elapsed;
  };

  try {
    const creates: number[] = [];
    const starts: number[] = [];
    const startsOne: number[] = [];
    const raws: number[] = [];
    const beyond: number[] = [];
    // One warm-up round, not counted.
    for (let round = -1; round < rounds; round++) {
      let start = 0;
      let raw = 0;
      for (const step of rotate(['many', 'one', 'raw'] as const, Math.max(0, round))) {
        if (step === 'many') {
          const timed = await timeApp([many, one]);
          start = timed.start;
          if (round >= 0) creates.push(timed.create);
        } else if (step === 'one') {
          const timed = await timeApp([one]);
          if (round >= 0) startsOne.push(timed.start);
        } else {
          raw = await timeRaw();
        }
      }
      if (round < 0) continue;
      starts.push(start);
      raws.push(raw);
      beyond.push(start - raw);
    }
    return [
      {
        benchmark: 'startup',
        handlers: HANDLERS,
        rounds,
        createMs: sig(median(creates)),
        startMs: sig(median(starts)),
        startOneMs: sig(median(startsOne)),
        rawMs: sig(median(raws)),
        beyondBrokerMs: sig(median(beyond)),
      },
    ];
  } finally {
    await broker.close();
  }
}
