import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { trackChild } from '../../test/helpers/process-reaper.js';

/**
 * Gives the processes measured (the subscribers) the first core to themselves while the
 * drains run, and the others (broker, publisher, the benchmark's own) the second. On this shared virtual machine, a
 * subscriber left to the scheduler shared its core with the broker and the gate from one
 * moment to the next, and a core left idle for a moment was slow to come back: the same
 * drain then cost up to half as much again from one round to the next. A busy loop at the
 * lowest priority (`SCHED_IDLE`) keeps the first core from ever idling; it runs only when the
 * subscriber does not, so it takes nothing from it.
 *
 * Linux `taskset` and `chrt`, two cores or more; elsewhere nothing is pinned, and a line says
 * so. Returns what undoes it.
 */
export async function dedicateCore(processes: {
  readonly measured: ReadonlyArray<number | undefined>;
  readonly others: ReadonlyArray<number | undefined>;
}): Promise<() => Promise<void>> {
  pinnable ??= cpus().length >= 2 && has('taskset') && has('chrt');
  if (!pinnable) {
    console.error('[bench] drains not pinned to a core (needs Linux taskset and chrt, and two cores)');
    return async () => {};
  }
  pin('0', processes.measured);
  pin('1', processes.others);
  const keeper = spawn('taskset', ['-c', '0', 'chrt', '--idle', '0', 'sh', '-c', 'while :; do :; done'], {
    stdio: 'ignore',
  });
  trackChild(keeper);
  await new Promise<void>((resolve, reject) => {
    keeper.once('spawn', resolve);
    keeper.once('error', reject);
  });
  return async () => {
    await stop(keeper);
    pin(`0-${cpus().length - 1}`, [...processes.measured, ...processes.others]);
  };
}

/** Whether this machine can pin (checked once). */
let pinnable: boolean | undefined;

function has(command: string): boolean {
  try {
    execFileSync(command, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Pins every thread of these processes to `cores`. A process that has exited is skipped: a
 * candidate that crashed mid-drain must show as its own error, not as `taskset`'s.
 */
function pin(cores: string, pids: ReadonlyArray<number | undefined>): void {
  for (const pid of pids) {
    if (pid !== undefined && alive(pid))
      execFileSync('taskset', ['-a', '-p', '-c', cores, String(pid)], { stdio: 'ignore' });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill();
  await exited;
}
