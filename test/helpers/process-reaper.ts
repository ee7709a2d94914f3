import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';

/**
 * Last-resort cleanup for test processes: every tracked child still alive is SIGKILLed, and every
 * tracked directory removed, when this process exits (even after a failed test or a forgotten
 * `close()`), or on SIGINT/SIGTERM/SIGHUP when nobody else handles those.
 */
const children = new Map<ChildProcess, boolean>();
const dirs = new Set<string>();
let installed = false;

/** Options of {@link trackChild}. */
export interface TrackChildOptions {
  /**
   * The child leads its own process group (spawned with `detached: true`): kill the whole group, so
   * that what a wrapper script started (an Erlang VM under `rabbitmq-server`) dies with it.
   */
  readonly group?: boolean;
}

/** Kills `child` (or its process group) when this process exits, unless it has exited before. */
export function trackChild(child: ChildProcess, { group = false }: TrackChildOptions = {}): void {
  install();
  children.set(child, group);
  child.once('exit', () => children.delete(child));
}

/** SIGKILLs a tracked child's process group now (no-op if it is not a group leader or gone). */
export function killGroup(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is gone already
  }
}

/** Removes `dir` (recursively) when this process exits, unless {@link untrackDir} is called first. */
export function trackDir(dir: string): void {
  install();
  dirs.add(dir);
}

/** Forgets a directory that was removed already. */
export function untrackDir(dir: string): void {
  dirs.delete(dir);
}

function reap(): void {
  for (const [child, group] of children) {
    if (group) killGroup(child);
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  children.clear();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs.clear();
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', reap);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    if (process.listenerCount(signal) > 0) continue;
    process.once(signal, () => {
      reap();
      process.kill(process.pid, signal);
    });
  }
}
