import { type ChildProcess, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { findExecutable } from '../executables.js';
import { freePort } from '../ports.js';
import { trackChild } from '../process-reaper.js';
import { BrokerStartError, retryOnPortClash } from './broker-process.js';

/**
 * An Erlang port mapper daemon of our own, on a free port of 127.0.0.1, in the foreground (never
 * `-daemon`), so that our Erlang nodes register with it (`ERL_EPMD_PORT`) and never with the
 * system's epmd, and nothing of ours outlives the tests.
 */
export interface Epmd {
  readonly port: number;
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';

/** Starts epmd and resolves once it accepts TCP connections. */
export function startEpmd(): Promise<Epmd> {
  const bin = findExecutable('epmd');
  if (!bin) throw new Error('startEpmd: epmd is not installed (Debian package erlang-base)');
  return retryOnPortClash(async () => {
    const port = await freePort(HOST);
    const child = spawn(bin, ['-port', String(port), '-address', HOST], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    trackChild(child);
    let output = '';
    for (const stream of [child.stdout!, child.stderr!])
      stream.setEncoding('utf8').on('data', (text: string) => {
        output += text;
      });
    const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
    try {
      await untilListening(child, port, () => output);
    } catch (error) {
      child.kill('SIGKILL');
      await exited;
      throw error;
    }
    child.unref();
    for (const stream of [child.stdout, child.stderr]) (stream as { unref?: () => void }).unref?.();
    return {
      port,
      stop: async () => {
        child.ref(); // an unref'd child could let the event loop end while we wait for its exit
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        await exited;
      },
    };
  });
}

async function untilListening(child: ChildProcess, port: number, output: () => string): Promise<void> {
  const deadline = Date.now() + 5000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new BrokerStartError(`epmd exited during start-up (code ${child.exitCode})`, output());
    if (await accepts(port)) return;
    if (Date.now() > deadline) throw new BrokerStartError('epmd did not listen within 5000 ms', output());
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: HOST, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
