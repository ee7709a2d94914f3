import { Fifo } from './fifo.js';
import type { Lane, LaneJob } from './lane.js';

/**
 * Decides when each handler run starts, so that at once there are never more than
 * `maxInFlight` runs app-wide, nor more than a lane's `concurrency` runs of one handler, and
 * (with per-topic ordering) never two runs of one handler for one topic. A job passes three
 * gates in order: its topic (per-topic ordering), its lane's concurrency, then an app-wide
 * slot. Waiting jobs are kept in FIFO queues; nothing here blocks the socket. `start` may
 * call `finish` synchronously (a synchronous handler): `pump` is not re-entered, so a long
 * backlog of synchronous handlers runs in a loop, not in a deepening stack.
 */
export class Scheduler<J extends LaneJob> {
  /** Runs started and not finished (a run that timed out is finished). */
  running = 0;
  private readonly ready = new Fifo<J>();
  private pumping = false;

  constructor(
    private readonly maxInFlight: number,
    private readonly ordered: boolean,
    private readonly start: (job: J) => void,
  ) {}

  /** Jobs admitted by their lane and waiting only for an app-wide slot. */
  get readyCount(): number {
    return this.ready.length;
  }

  /** Takes a job; starts it at once if every gate is open. */
  submit(job: J): void {
    if (this.ordered) {
      const topics = job.lane.topics;
      if (topics.has(job.topic)) {
        let behind = topics.get(job.topic);
        if (behind === undefined) {
          behind = new Fifo<LaneJob>();
          topics.set(job.topic, behind);
        }
        behind.push(job);
        return;
      }
      topics.set(job.topic, undefined);
    }
    this.admit(job);
    this.pump();
  }

  /** A started job ended (settled, or given up on after its timeout): frees its places. */
  finish(job: J): void {
    this.running--;
    this.release(job);
    this.pump();
  }

  /** Starts ready jobs while app-wide slots are free. */
  pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.running < this.maxInFlight) {
        const job = this.ready.shift();
        if (job === undefined) break;
        if (job.cancelled) {
          this.release(job);
          continue;
        }
        this.running++;
        this.start(job);
      }
    } finally {
      this.pumping = false;
    }
  }

  /**
   * Past the topic gate: takes a place in its lane, or waits for one. A lane's queues hold only
   * jobs handed to this scheduler, so what comes out of them is a `J`.
   */
  private admit(job: LaneJob): void {
    const lane = job.lane;
    if (lane.running >= lane.concurrency) {
      lane.waiting.push(job);
      return;
    }
    lane.running++;
    this.ready.push(job as J);
  }

  /**
   * Removes cancelled jobs from every queue (the ready queue and those of `lanes`), giving back
   * what they held: without it, jobs dropped by the overflow policy would stay referenced until
   * a slot reached them, and a flood would grow memory however small the queue looks.
   */
  purge(lanes: Iterable<Lane>): void {
    const reserved = takeCancelled(this.ready);
    const topicHolders: LaneJob[] = [];
    for (const lane of lanes) {
      if (lane.waiting.length > 0) topicHolders.push(...takeCancelled(lane.waiting));
      if (this.ordered) for (const behind of lane.topics.values()) behind?.retain((job) => !job.cancelled);
    }
    for (const job of reserved) this.release(job);
    for (const job of topicHolders) {
      this.releaseTopic(job);
      this.admitWaiting(job.lane);
    }
    this.pump();
  }

  /** Gives back the lane place (and the topic) of a job that ended or was skipped. */
  private release(job: LaneJob): void {
    job.lane.running--;
    this.releaseTopic(job);
    this.admitWaiting(job.lane);
  }

  /** Per-topic ordering: the next job of the topic (if any) inherits it. */
  private releaseTopic(job: LaneJob): void {
    if (!this.ordered) return;
    const topics = job.lane.topics;
    const next = topics.get(job.topic)?.shift();
    if (next === undefined) topics.delete(job.topic);
    else this.admit(next);
  }

  private admitWaiting(lane: Lane): void {
    if (lane.waiting.length > 0 && lane.running < lane.concurrency) this.admit(lane.waiting.shift()!);
  }
}

/** Removes the cancelled jobs of `queue` and returns them. */
function takeCancelled<T extends LaneJob>(queue: Fifo<T>): T[] {
  const taken: T[] = [];
  queue.retain((job) => {
    if (!job.cancelled) return true;
    taken.push(job);
    return false;
  });
  return taken;
}
