import { IpcChild } from './ipc-child.js';
import type { PublisherCommand, PublisherReply } from './publisher-protocol.js';

/** The benchmark's side of the publisher process: one command at a time, each awaited. */
export class Publisher {
  private readonly child = new IpcChild<PublisherCommand, PublisherReply>(
    new URL('./publisher.js', import.meta.url),
    'publisher',
  );
  private gate = '';

  private constructor() {}

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

  /**
   * Resolves once the subscriber connected as `clientId` has sent `count` PUBACKs this round
   * and the broker has had them, so that no drain's acks are still being handled on the other
   * core when the next drain starts.
   */
  async settle(clientId: string, count: number): Promise<void> {
    await this.request({ type: 'settle', clientId, count });
  }

  /** Tells a credit-controlled burst how many messages have arrived. */
  received(count: number): void {
    this.child.tell({ type: 'received', count });
  }

  async close(): Promise<void> {
    await this.child.exit({ type: 'exit' });
  }

  private request(command: PublisherCommand): Promise<PublisherReply> {
    return this.child.request(command);
  }
}

function pick(options: { credit?: number }): { credit?: number } {
  return options.credit === undefined ? {} : { credit: options.credit };
}
