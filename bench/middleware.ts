/**
 * What middleware costs per message, on the hot-path benchmark's packets (no network): the
 * same controller mounted by a real `MqttApp` (an in-memory connection; packets handed straight
 * to its dispatcher) with no middleware, with one pass-through middleware, with one async
 * pass-through, and with three. "no-middleware" must match the hot path's `koa-mqtt-plain`
 * (a route without middleware runs the plain compiled handler: nothing is wrapped).
 * ns per message, including the microtasks the chain's Promises need; alternating rounds.
 */
import 'reflect-metadata';
import type { IPublishPacket } from 'mqtt';
import type { MqttMiddleware } from '../src/index.js';
import { createTestApp } from '../src/testing/index.js';
import { type Deliver, dispatcherFor, packets, raw } from './hot-path.js';
import { plainController } from './lib/controllers.js';
import { sink } from './lib/sink.js';
import { median, rotate, sig } from './lib/stats.js';

export interface MiddlewareRow {
  readonly benchmark: 'middleware';
  readonly candidate: string;
  readonly nsPerMessage: number;
  /** ns per message beyond the app without middleware. */
  readonly overheadNs: number;
}

const passThrough: MqttMiddleware = (_ctx, next) => next();
const asyncPassThrough: MqttMiddleware = async (_ctx, next) => {
  await next();
};

/** A real app, in memory, with `middleware`; returns what hands it one packet. */
async function appWith(middleware: MqttMiddleware[]): Promise<{ deliver: Deliver; stop(): Promise<void> }> {
  // MQTT 3.1.1: no subscription identifiers, as in the hot-path benchmark's dispatcher.
  const t = await createTestApp({ controllers: [plainController(0)], middleware, protocolVersion: 4 });
  t.app.dispatcher.observer = undefined; // the test app's recorder is not part of what we measure
  const done = () => {};
  return { deliver: (packet) => t.app.dispatcher.onPacket(packet, done), stop: () => t.stop() };
}

async function time(deliver: Deliver, batch: readonly IPublishPacket[], repeat: number): Promise<number> {
  sink.reset(batch.length * repeat);
  const start = process.hrtime.bigint();
  for (let r = 0; r < repeat; r++) {
    for (const packet of batch) deliver(packet);
    // Let the chains' Promises settle (a macrotask runs after every microtask).
    await new Promise((resolve) => setImmediate(resolve));
  }
  const ns = Number(process.hrtime.bigint() - start);
  if (sink.count !== batch.length * repeat)
    throw new Error(`middleware: ${sink.count} handled, expected more`);
  return ns / (batch.length * repeat);
}

export async function run(options: { quick?: boolean } = {}): Promise<MiddlewareRow[]> {
  const apps = {
    none: await appWith([]),
    one: await appWith([passThrough]),
    oneAsync: await appWith([asyncPassThrough]),
    three: await appWith([passThrough, passThrough, passThrough]),
  };
  const candidates: Array<[string, Deliver]> = [
    ['raw-mqttjs', raw],
    ['hot-path koa-mqtt-plain', dispatcherFor([plainController(0)])],
    ['app, no middleware', apps.none.deliver],
    ['app, 1 pass-through (ctx, next) => next()', apps.one.deliver],
    ['app, 1 async pass-through', apps.oneAsync.deliver],
    ['app, 3 pass-through', apps.three.deliver],
  ];
  const batch = packets(1000);
  const repeat = options.quick ? 5 : 20;
  const rounds = options.quick ? 3 : 9;
  const samples = candidates.map((): number[] => []);
  try {
    for (let round = -1; round < rounds; round++) {
      for (const [name, deliver] of rotate(candidates, Math.max(0, round))) {
        const ns = await time(deliver, batch, repeat);
        if (round >= 0) samples[candidates.findIndex(([n]) => n === name)]!.push(ns);
      }
    }
  } finally {
    await Promise.all(Object.values(apps).map((app) => app.stop()));
  }
  const base = median(samples[2]!);
  return candidates.map(([name], i) => ({
    benchmark: 'middleware',
    candidate: name,
    nsPerMessage: sig(median(samples[i]!)),
    overheadNs: sig(median(samples[i]!) - base),
  }));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const row of await run({ quick: process.argv.includes('--quick') })) console.log(JSON.stringify(row));
}
