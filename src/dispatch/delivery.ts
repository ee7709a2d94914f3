import type { InboundMessage } from '../payload/message.js';
import type { AckTicket } from './acks.js';
import type { Lane, LaneJob } from './lane.js';
import type { Route } from './router.js';

/**
 * One received message and what is left to do with it: its handler runs not started yet
 * (`waiting`: while above 0 it is queued) and not settled yet, whether one failed, and the
 * acknowledgements it owes, its own and those of redelivered copies that joined it.
 */
export class Delivery {
  waiting: number;
  unsettled: number;
  ok = true;
  /** Given up before every run started (overflow policy, stopping). */
  cancelled = false;
  /** The acks were settled (sent, queued to be sent in order, or skipped). */
  acked = false;
  /** Acks this message owes; undefined when mqtt.js acknowledged (or will) on its own. */
  tickets: AckTicket[] | undefined;

  constructor(
    readonly message: InboundMessage,
    /** `auto`: acknowledged once every run started; else (`after-handler`) once every run settled. */
    readonly ackOnStart: boolean,
    /** Handler runs this message needs. */
    readonly jobs: number,
  ) {
    this.waiting = jobs;
    this.unsettled = jobs;
  }
}

/** One handler run for one delivery; `route` undefined runs the `@OnMessage` hooks named by `hook`. */
export class Job implements LaneJob {
  /** Failed by its `handlerTimeout`: what it does later is ignored. */
  timedOut = false;

  constructor(
    readonly delivery: Delivery,
    readonly route: Route | undefined,
    readonly lane: Lane,
    /** Without a route: `message` (the fallback) or `everyMessage` (`@OnMessage({ all: true })`). */
    readonly hook: 'message' | 'everyMessage' = 'message',
  ) {}

  get topic(): string {
    return this.delivery.message.topic;
  }

  get cancelled(): boolean {
    return this.delivery.cancelled;
  }
}
