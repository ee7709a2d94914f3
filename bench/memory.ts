/**
 * Memory: heap and RSS per registered handler (10,000 handlers, less the cost of an app with
 * one), and heap after 1,000,000 messages against after 100,000 (it should not grow). Runs in
 * its own process with `--expose-gc` against a Mosquitto of its own.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { trackChild } from '../test/helpers/process-reaper.js';
import { startBenchMosquitto } from './lib/brokers.js';
import { sig } from './lib/stats.js';
import type { MemoryFigures } from './memory-child.js';

export interface MemoryRow extends MemoryFigures {
  readonly benchmark: 'memory';
}

const CHILD = fileURLToPath(new URL('./memory-child.js', import.meta.url));

export async function run(options: { quick?: boolean } = {}): Promise<MemoryRow[]> {
  const broker = await startBenchMosquitto();
  try {
    const child = fork(CHILD, [broker.url, ...(options.quick ? ['--quick'] : [])], {
      execArgv: ['--expose-gc'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    trackChild(child);
    const figures = await new Promise<MemoryFigures>((resolve, reject) => {
      let result: MemoryFigures | undefined;
      child.on('message', (message: MemoryFigures) => (result = message));
      child.on('exit', (code) =>
        result && code === 0 ? resolve(result) : reject(new Error(`memory benchmark exited with ${code}`)),
      );
    });
    return [
      {
        benchmark: 'memory',
        ...figures,
        heapPerHandler: sig(figures.heapPerHandler),
        rssPerHandler: sig(figures.rssPerHandler),
        heapPerHandlerDecorators: sig(figures.heapPerHandlerDecorators),
        heapPerHandlerDefinitions: sig(figures.heapPerHandlerDefinitions),
        heapPerHandlerStart: sig(figures.heapPerHandlerStart),
      },
    ];
  } finally {
    await broker.close();
  }
}
