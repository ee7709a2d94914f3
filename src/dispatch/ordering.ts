/** How messages are ordered for handlers. `none`: concurrent; `per-topic`: one topic's messages in arrival order. */
export type Ordering = 'none' | 'per-topic';

/**
 * Runs tasks so that those of one key (a topic) run one after another, in the order given,
 * while tasks of different keys run concurrently. Memory: one entry per key with a task
 * running or waiting; the number waiting is reported so the caller can bound it.
 */
export class KeyedSequencer {
  private readonly tails = new Map<string, Promise<unknown>>();
  private queued = 0;

  /** Tasks accepted but not started yet. */
  get waiting(): number {
    return this.queued;
  }

  /**
   * Runs `task` now if nothing of `key` is running, else after the last one settles. Returns
   * the task's result (a Promise if it waited or is async). `task` must not throw or reject.
   */
  run<T>(key: string, task: () => T | Promise<T>): T | Promise<T> {
    const previous = this.tails.get(key);
    let result: T | Promise<T>;
    if (previous) {
      this.queued++;
      result = previous.then(() => {
        this.queued--;
        return task();
      });
    } else {
      result = task();
      if (!(result instanceof Promise)) return result;
    }
    const tail = result as Promise<T>;
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return tail;
  }
}
