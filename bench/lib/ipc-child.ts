import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { trackChild } from '../../test/helpers/process-reaper.js';

/** Every reply names its type; `error` carries what went wrong in the child. */
export type IpcReply = { readonly type: string } | { readonly type: 'error'; readonly message: string };

/**
 * A benchmark process forked from `script` (compiled, beside its caller) and spoken to over
 * IPC: one request at a time, each answered by one reply; an `error` reply rejects with the
 * child's message, and a child that exits rejects what was pending.
 */
export class IpcChild<Command, Reply extends IpcReply> {
  readonly process: ChildProcess;
  private pending: { resolve(reply: Reply): void; reject(error: Error): void } | undefined;

  constructor(
    script: URL,
    private readonly label: string,
    execArgv: readonly string[] = [],
  ) {
    this.process = fork(fileURLToPath(script), [], {
      execArgv: [...execArgv],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    trackChild(this.process);
    this.process.on('message', (reply: Reply) => {
      const pending = this.pending;
      this.pending = undefined;
      if (reply.type === 'error' && 'message' in reply)
        pending?.reject(new Error(`${this.label}: ${reply.message}`));
      else pending?.resolve(reply);
    });
    this.process.on('exit', (code) => {
      this.pending?.reject(new Error(`${this.label} exited with ${code}`));
      this.pending = undefined;
    });
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  /** Sends `command` and resolves with the child's reply to it. */
  request(command: Command): Promise<Reply> {
    if (this.pending) return Promise.reject(new Error(`${this.label}: one command at a time`));
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.process.send(command as object);
    });
  }

  /** Sends `command`, expecting no reply. */
  tell(command: Command): void {
    this.process.send(command as object);
  }

  /** Sends `command` (the child's exit) and resolves once the child has exited. */
  async exit(command: Command): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.process.once('exit', () => resolve()));
    this.tell(command);
    await exited;
  }
}
