/**
 * The broker's Receive Maximum as a counting semaphore: at most `limit()` QoS 1/2 publishes are
 * handed to mqtt.js before their acknowledgement; later ones wait for a slot, in order, instead
 * of being refused by the broker ("Quota exceeded", or a DISCONNECT 0x93).
 */
export class SendQuota {
  private used = 0;
  private readonly waiting: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];

  constructor(private readonly limit: () => number) {}

  /** Publishes holding a slot now. */
  get inUse(): number {
    return this.used;
  }

  /** Publishes waiting for a slot. */
  get queued(): number {
    return this.waiting.length;
  }

  /** Takes a slot; `undefined` when one was free (no Promise made), else a Promise of one. */
  acquire(): Promise<void> | undefined {
    if (this.used < this.limit() && this.waiting.length === 0) {
      this.used++;
      return undefined;
    }
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  /** Gives a slot back; the first waiter (if any) takes it. */
  release(): void {
    this.used = Math.max(0, this.used - 1);
    this.wake();
  }

  /** After a new CONNACK (the limit may have changed): lets waiters in up to the new limit. */
  wake(): void {
    while (this.waiting.length > 0 && this.used < this.limit()) {
      this.used++;
      this.waiting.shift()!.resolve();
    }
  }

  /** Rejects every waiter (the connection closed for good). */
  abandon(error: Error): void {
    for (const waiter of this.waiting.splice(0)) waiter.reject(error);
  }
}
