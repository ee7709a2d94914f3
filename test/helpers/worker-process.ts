import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { trackChild } from './process-reaper.js';
import { withTimeout } from './wait.js';

/**
 * A Node script run as a child process that reports on stdout, one line per event. Lines are
 * kept in order; `waitForLine` awaits one matching a test. The child is SIGKILLed if this
 * process exits first.
 */
export class WorkerProcess {
  readonly lines: string[] = [];
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  private stderr = '';
  private readonly waiters = new Set<() => void>();

  constructor(
    readonly name: string,
    script: string,
    env: Readonly<Record<string, string>>,
  ) {
    this.child = spawn(process.execPath, ['--enable-source-maps', script], {
      env: { ...withoutMqtt(process.env), ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    trackChild(this.child);
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      this.lines.push(line);
      for (const wake of [...this.waiters]) wake();
    });
    this.child.stderr!.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
  }

  /** Resolves with the first line (seen so far or later) for which `test` holds. */
  waitForLine(test: (line: string) => boolean, timeoutMs: number): Promise<string> {
    const found = new Promise<string>((resolve, reject) => {
      const check = () => {
        const line = this.lines.find(test);
        if (line !== undefined) {
          this.waiters.delete(check);
          resolve(line);
        }
      };
      this.waiters.add(check);
      void this.exited.then((code) => {
        if (!this.waiters.has(check)) return;
        this.waiters.delete(check);
        reject(new Error(`${this.name} exited (code ${code}) first; stderr:\n${this.stderr}`));
      });
      check();
    });
    return withTimeout(found, timeoutMs, `${this.name}: no expected line; stderr:\n${this.stderr}`);
  }

  /** SIGKILL: no clean MQTT disconnect, the broker sees the socket close. */
  async kill(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM (the fixture stops gracefully), then the exit. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    await withTimeout(this.exited, 10_000, `${this.name} did not exit on SIGTERM`);
  }
}

/** The environment minus MQTT_* variables: a worker gets only the ones the test gives it. */
function withoutMqtt(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([key]) => !key.startsWith('MQTT_')));
}
