/** Reconnect delays: exponential from `initial`, capped at `max`, with "equal jitter" (½ to 1× the step). */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly initial: number,
    private readonly max: number,
    private readonly random: () => number = Math.random,
  ) {}

  next(): number {
    const step = Math.min(this.max, this.initial * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    return Math.round(step / 2 + (step / 2) * this.random());
  }

  reset(): void {
    this.attempt = 0;
  }
}
