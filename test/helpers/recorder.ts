/**
 * Records calls (e.g. of a handler) and lets a test await a count of them, with a timeout:
 * `await recorder.waitFor(3, 2000)`. No fixed sleeps.
 */
export class Recorder<T = unknown> {
  readonly calls: T[] = [];
  private readonly waiters: Array<{ count: number; resolve: () => void }> = [];

  record = (value: T): void => {
    this.calls.push(value);
    for (const waiter of [...this.waiters]) {
      if (this.calls.length >= waiter.count) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  };

  get count(): number {
    return this.calls.length;
  }

  /** Resolves once `count` calls were recorded; rejects after `timeoutMs` saying how many came. */
  waitFor(count: number, timeoutMs = 5000): Promise<T[]> {
    if (this.calls.length >= count) return Promise.resolve(this.calls);
    return new Promise((resolve, reject) => {
      const waiter = {
        count,
        resolve: () => {
          clearTimeout(timer);
          resolve(this.calls);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`expected ${count} calls within ${timeoutMs} ms, got ${this.calls.length}`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }
}
