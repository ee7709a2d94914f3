import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';

/**
 * Last-resort cleanup for test processes: every tracked child still alive is SIGKILLed, and every
 * tracked directory removed, when this process exits (even after a failed test or a forgotten
 * `close()`), or on SIGINT/SIGTERM/SIGHUP when nobody else handles those.
 */
const children = new Set<ChildProcess>();
const dirs = new Set<string>();
let installed = false;

/** Kills `child` when this process exits, unless it has exited before. */
export function trackChild(child: ChildProcess): void {
  install();
  children.add(child);
  child.once('exit', () => children.delete(child));
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
  for (const child of children) {
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
