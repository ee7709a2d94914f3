/**
 * The process one drained candidate runs in (forked by drain.ts), alone with its own heap,
 * compiled code and garbage collector, as a service would be: what another candidate
 * allocated or optimised never lands in its figures. Commands arrive over IPC.
 */
import 'reflect-metadata';
import { make } from './candidates.js';
import type { DrainCommand, DrainReply } from './drain-protocol.js';
import { sink } from './sink.js';
import type { Subscriber } from './subscribers.js';

let subscriber: Subscriber | undefined;
/** Settles once the armed count arrived or its time ran out (see `Sink.done`). */
let drained: Promise<boolean> = Promise.resolve(true);

function reply(message: DrainReply): void {
  process.send?.(message);
}

async function handle(command: DrainCommand): Promise<void> {
  switch (command.type) {
    case 'open': {
      const candidate = await make(command.spec);
      const opened = performance.now();
      subscriber = await candidate.open(command.options);
      reply({ type: 'opened', startupMs: performance.now() - opened });
      return;
    }
    case 'arm': {
      sink.reset(command.count, { skip: command.skip });
      drained = sink.done(command.timeoutMs);
      reply({ type: 'armed' });
      return;
    }
    case 'result':
      await drained;
      reply({ type: 'drained', arrived: sink.count, ...sink.span() });
      return;
    case 'close':
      await subscriber?.close();
      process.exit(0);
  }
}

process.on('message', (command: DrainCommand) => {
  handle(command).catch((error: unknown) =>
    reply({ type: 'error', message: error instanceof Error ? error.message : String(error) }),
  );
});
