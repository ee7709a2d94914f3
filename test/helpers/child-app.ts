import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { trackChild } from './process-reaper.js';
import { Recorder } from './recorder.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/delivery-app.js', import.meta.url));

/**
 * The delivery fixture app (test/fixtures/delivery-app.ts) in a child process: what it handled,
 * read from its stdout, and ways to end it. Killed when the test process exits, whatever happens.
 */
export class ChildApp {
  readonly started = new Recorder<string>();
  readonly handled = new Recorder<string>();
  /** One entry per CONNACK: whether the broker had kept the session. */
  readonly ready = new Recorder<boolean>();
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;
  private stderr = '';

  constructor(env: Record<string, string>) {
    this.child = spawn(process.execPath, [FIXTURE], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    trackChild(this.child);
    this.exited = new Promise((resolve) => this.child.once('close', () => resolve()));
    let partial = '';
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        const space = line.indexOf(' ');
        const word = space < 0 ? line : line.slice(0, space);
        const rest = space < 0 ? '' : line.slice(space + 1);
        if (word === 'handled') this.handled.record(rest);
        else if (word === 'start') this.started.record(rest);
        else if (word === 'ready') this.ready.record(rest === 'true');
      }
    });
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
    });
  }

  /** What the child wrote to stderr (for failure messages). */
  get errors(): string {
    return this.stderr;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGKILL: no DISCONNECT, no acks for what is in flight. */
  async kill(): Promise<void> {
    if (this.running) this.child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM: the fixture stops the app cleanly; SIGKILL after `timeoutMs`. */
  async stop(timeoutMs = 10_000): Promise<number | null> {
    if (this.running) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
      await this.exited;
      clearTimeout(timer);
    }
    return this.child.exitCode;
  }
}
