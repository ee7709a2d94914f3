/**
 * The memory benchmark's own process (forked by memory.ts with `--expose-gc`, so that nothing
 * else held by the runner weighs on the heap). Argument: the broker URL and `--quick`.
 * Sends one `MemoryFigures` object back over IPC.
 */
import 'reflect-metadata';
import { type Constructable, createMqttApp, type MqttApp, silentLogger } from '../src/index.js';
import { manyHandlersController, plainController } from './lib/controllers.js';
import { Publisher } from './lib/publisher-client.js';
import { sink } from './lib/sink.js';

export interface MemoryFigures {
  readonly handlers: number;
  readonly heapPerHandler: number;
  readonly rssPerHandler: number;
  /** Heap per handler by stage: the decorated class (records, TypeScript's design:* metadata)… */
  readonly heapPerHandlerDecorators: number;
  /** …`createMqttApp` (definitions, parsed patterns)… */
  readonly heapPerHandlerDefinitions: number;
  /** …and `start()` (compiled handlers, routes, trie, subscription table, overlap index). */
  readonly heapPerHandlerStart: number;
  readonly heapAfterHandlers: number;
  readonly rssAfterHandlers: number;
  readonly messagesEarly: number;
  readonly messagesLate: number;
  readonly heapEarly: number;
  readonly heapLate: number;
  readonly heapGrowth: number;
  readonly lost: number;
}

const gc = (globalThis as { gc?: () => void }).gc;

async function settle(): Promise<NodeJS.MemoryUsage> {
  for (let i = 0; i < 4; i++) {
    gc!();
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage();
}

let apps = 0;
async function startApp(url: string, controllers: Constructable[]): Promise<MqttApp> {
  const app = createMqttApp({
    url,
    clientId: `memory-${process.pid}-${apps++}`,
    protocolVersion: 5,
    logger: silentLogger,
    controllers,
  });
  await app.start();
  return app;
}

/** Streams `count` readings through the app with end-to-end flow control; returns how many arrived. */
async function stream(publisher: Publisher, count: number): Promise<number> {
  sink.reset(count, { onProgress: (received) => publisher.received(received) });
  await publisher.burst(count, 0, { credit: 5000 });
  await sink.done(60_000);
  return sink.count;
}

async function main(): Promise<void> {
  if (!gc) throw new Error('memory-child needs --expose-gc');
  const [url, mode] = process.argv.slice(2);
  const quick = mode === '--quick';
  const handlers = 10_000;

  // Warm-up: load everything an app loads lazily, then measure one app, then the app with many handlers.
  await (await startApp(url!, [plainController(0)])).stop();
  const m0 = await settle();
  const one = await startApp(url!, [plainController(0)]);
  const m1 = await settle();
  const controller = manyHandlersController(handlers);
  const mDecorated = await settle();
  const many = createMqttApp({
    url: url!,
    clientId: `memory-${process.pid}-${apps++}`,
    protocolVersion: 5,
    logger: silentLogger,
    controllers: [controller],
  });
  const mDefined = await settle();
  await many.start();
  const m2 = await settle();
  const appCost = m1.heapUsed - m0.heapUsed;
  const heapPerHandler = (m2.heapUsed - m1.heapUsed - appCost) / (handlers - 1);
  const rssPerHandler = (m2.rss - m1.rss - (m1.rss - m0.rss)) / (handlers - 1);
  await many.stop();
  await one.stop();

  const app = await startApp(url!, [plainController(0)]);
  const publisher = await Publisher.start(url!);
  const early = quick ? 20_000 : 100_000;
  const late = quick ? 100_000 : 1_000_000;
  let arrived = await stream(publisher, early);
  const heapEarly = (await settle()).heapUsed;
  arrived += await stream(publisher, late - early);
  const heapLate = (await settle()).heapUsed;
  await publisher.close();
  await app.stop();

  const figures: MemoryFigures = {
    handlers,
    heapPerHandler,
    rssPerHandler,
    heapPerHandlerDecorators: (mDecorated.heapUsed - m1.heapUsed) / handlers,
    heapPerHandlerDefinitions: (mDefined.heapUsed - mDecorated.heapUsed) / handlers,
    heapPerHandlerStart: (m2.heapUsed - mDefined.heapUsed - appCost) / handlers,
    heapAfterHandlers: m2.heapUsed,
    rssAfterHandlers: m2.rss,
    messagesEarly: early,
    messagesLate: late,
    heapEarly,
    heapLate,
    heapGrowth: heapLate - heapEarly,
    lost: late - arrived,
  };
  process.send!(figures);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
