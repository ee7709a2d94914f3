import { nowMicros } from './stats.js';

/**
 * Where every benchmark handler reports a message: counts arrivals, stamps the first and the
 * last, records publish-to-handler latency when the payload carries a send time, and resolves
 * `done` when the expected count arrived. Counting what arrived, never assuming it.
 */
export class Sink {
  count = 0;
  expected = 0;
  first = 0;
  last = 0;
  /** CPU time (user + system, µs) this process spent over the timed span. */
  cpuMicros = 0;
  private cpuStart: NodeJS.CpuUsage | undefined;
  /** Arrivals before the timed span (see `reset`). */
  private skip = 0;
  latencies: number[] = [];
  recordLatency = false;
  onProgress: ((count: number) => void) | undefined;
  private resolve: (() => void) | undefined;

  /**
   * Expects `expected` messages from now on; `done()` resolves when they arrived (or times out).
   * `skip`: the span timed by `span()` starts at arrival `skip + 1` (default 0: the
   * first), so that a subscriber's start-up, which interleaves with its first messages, is left out.
   */
  reset(
    expected: number,
    options: { latency?: boolean; onProgress?: (count: number) => void; skip?: number } = {},
  ): void {
    this.count = 0;
    this.skip = options.skip ?? 0;
    this.expected = expected;
    this.first = 0;
    this.last = 0;
    this.latencies = [];
    this.cpuMicros = 0;
    this.cpuStart = undefined;
    this.recordLatency = options.latency ?? false;
    this.onProgress = options.onProgress;
    this.resolve = undefined;
  }

  /** One message handled; `sentAt` is the publisher's `t` (µs) when measuring latency. */
  hit(deviceId: unknown, sentAt?: number): void {
    if (typeof deviceId !== 'string') throw new Error('benchmark handler got no device id');
    const now = performance.now();
    if (this.count === this.skip) {
      this.first = now;
      this.cpuStart = process.cpuUsage();
    }
    this.last = now;
    this.count++;
    if (this.recordLatency && sentAt !== undefined) this.latencies.push(nowMicros() - sentAt);
    if (this.onProgress !== undefined && this.count % 1000 === 0) this.onProgress(this.count);
    if (this.count === this.expected) {
      const cpu = process.cpuUsage(this.cpuStart);
      this.cpuMicros = cpu.user + cpu.system;
      this.resolve?.();
    }
  }

  /** Resolves true once `expected` messages arrived, false after `timeoutMs` (then `count` says how many). */
  done(timeoutMs: number): Promise<boolean> {
    if (this.count >= this.expected) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        this.resolve = undefined;
        resolve(false);
      }, timeoutMs);
      this.resolve = () => {
        clearTimeout(timer);
        this.resolve = undefined;
        resolve(true);
      };
    });
  }

  /**
   * The timed span: `timed` messages after the first timed one (arrival `skip + 1`), over
   * `wallMs` of the clock and `cpuMicros` of this process's CPU time; all 0 unless every
   * expected message arrived. CPU time leaves out the time other processes took the core
   * away, which makes it far steadier than the clock on a shared machine.
   */
  span(): { timed: number; wallMs: number; cpuMicros: number } {
    if (this.count < this.expected) return { timed: 0, wallMs: 0, cpuMicros: 0 };
    return { timed: this.count - this.skip - 1, wallMs: this.last - this.first, cpuMicros: this.cpuMicros };
  }
}

/** The one sink every benchmark handler of this process reports to. */
export const sink = new Sink();
