import { Fifo } from './fifo.js';

/** What a lane's queues hold: one handler run for one message (see `Job`). */
export interface LaneJob {
  readonly topic: string;
  readonly lane: Lane;
  /** Given up before it started (dropped by the overflow policy, or stopping). */
  readonly cancelled: boolean;
}

/**
 * The flow settings of one handler (`concurrency`, `handlerTimeout`) and the state they
 * need: runs of it started or reserved, runs waiting for a free place, and, with per-topic
 * ordering, which topics have a run in progress and what waits behind it. Handlers without
 * settings of their own share the dispatcher's default lane.
 */
export class Lane {
  /** Runs admitted: started, or waiting only for an app-wide slot. */
  running = 0;
  /** Runs that would pass `concurrency`, in arrival order. */
  readonly waiting = new Fifo<LaneJob>();
  /** Per-topic ordering: topic → runs waiting behind the one in progress (a key while one is). */
  readonly topics = new Map<string, Fifo<LaneJob> | undefined>();

  constructor(
    /** Most runs of this handler at once; `Infinity` for no limit of its own. */
    readonly concurrency: number,
    /** ms after which a run is failed with `MqttHandlerTimeoutError`; 0 for none. */
    readonly timeout: number,
  ) {}
}
