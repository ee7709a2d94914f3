import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { trackChild } from '../../test/helpers/process-reaper.js';
import type { PublisherCommand, PublisherReply } from './publisher-protocol.js';

const SCRIPT = fileURLToPath(new URL('./publisher.js', import.meta.url));

/** The benchmark's side of the publisher process: one command at a time, each awaited. */
export class Publisher {
  private readonly child: ChildProcess;
  private pending: { resolve(reply: PublisherReply): void; reject(error: Error): void } | undefined;
  private gate = '';

  private constructor() {
    this.child = fork(SCRIPT, [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    trackChild(this.child);
    this.child.on('message', (reply: PublisherReply) => {
      const pending = this.pending;
      this.pending = undefined;
      if (reply.type === 'error') pending?.reject(new Error(`publisher: ${reply.message}`));
      else pending?.resolve(reply);
    });
    this.child.on('exit', (code) => {
      this.pending?.reject(new Error(`publisher exited with ${code}`));
      this.pending = undefined;
    });
  }

  /** Where a drained subscriber connects: the backlog gate in front of the broker (gate.ts). */
  get gateUrl(): string {
    return this.gate;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Forks the publisher and connects it to `url` (MQTT 5). */
  static async start(url: string): Promise<Publisher> {
    const publisher = new Publisher();
    const reply = await publisher.request({ type: 'connect', url });
    if (reply.type === 'ready') publisher.gate = reply.gateUrl;
    return publisher;
  }

  /** Publishes a backlog (or, with `credit`, a flow-controlled stream); resolves once the broker has it all. */
  async burst(
    count: number,
    qos: 0 | 1,
    options: { window?: number; credit?: number } = {},
  ): Promise<number> {
    const reply = await this.request({
      type: 'burst',
      count,
      qos,
      window: options.window ?? 200,
      ...pick(options),
    });
    return reply.type === 'done' ? reply.ms : Number.NaN;
  }

  /** Publishes `count` readings at `rate`/s with their send time; resolves once all are at the broker. */
  async paced(count: number, qos: 0 | 1, rate: number): Promise<void> {
    await this.request({ type: 'paced', count, qos, rate });
  }

  /** The gate keeps what the broker sends to every subscriber connected through it. */
  async holdAll(): Promise<void> {
    await this.request({ type: 'hold' });
  }

  /** The gate hands the subscriber connected as `clientId` its `count` held messages at once. */
  async release(clientId: string, count: number): Promise<void> {
    await this.request({ type: 'release', clientId, count });
  }

  /** Tells a credit-controlled burst how many messages have arrived. */
  received(count: number): void {
    this.child.send({ type: 'received', count } satisfies PublisherCommand);
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.send({ type: 'exit' } satisfies PublisherCommand);
    await exited;
  }

  private request(command: PublisherCommand): Promise<PublisherReply> {
    if (this.pending) return Promise.reject(new Error('publisher: one command at a time'));
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.child.send(command);
    });
  }
}

function pick(options: { credit?: number }): { credit?: number } {
  return options.credit === undefined ? {} : { credit: options.credit };
}
