import type { IPublishPacket } from 'mqtt';
import type { PacketSink } from '../client/connection.js';
import { MqttHandlerTimeoutError } from '../errors.js';
import { DEFAULT_MAX_QUEUED, DEFAULT_OVERFLOW, type Overflow } from '../metadata/flow-options.js';
import { InboundMessage } from '../payload/message.js';
import { AckQueue, type AckTransport } from './acks.js';
import { MqttContext, type TopicParams } from './context.js';
import { Delivery, Job } from './delivery.js';
import { Fifo } from './fifo.js';
import { asError, type Hooks } from './hooks.js';
import { Lane } from './lane.js';
import type { ComposedMiddleware } from './middleware.js';
import type { DispatchObserver } from './observer.js';
import type { Ordering } from './ordering.js';
import { contextOfFailure } from './pipeline.js';
import { Redeliveries } from './redeliveries.js';
import type { Route, Router, Selection } from './router.js';
import { Scheduler } from './scheduler.js';

/** Called after a handler returned (value) or threw (error); used for MQTT 5 replies. */
export type AfterHandler = (
  message: InboundMessage,
  route: Route,
  value: unknown,
  error: Error | undefined,
) => void;

export interface DispatcherOptions {
  /** Most handler runs at once, app-wide (runs that timed out no longer count). */
  readonly maxInFlight: number;
  /** Sends the acknowledgements the dispatcher takes over from mqtt.js. */
  readonly acks: AckTransport;
  /** `per-topic`: one handler's messages of one topic run one after another, in arrival order. */
  readonly ordering?: Ordering | undefined;
  readonly afterHandler?: AfterHandler | undefined;
  /** Messages waiting for a slot, per QoS class (0, and 1/2), before the overflow policy / a read pause. */
  readonly maxQueued?: number | undefined;
  /** QoS 0 overflow policy. */
  readonly overflow?: Overflow | undefined;
  /** ms before a run of a handler without a timeout of its own is failed; 0 or undefined for none. */
  readonly handlerTimeout?: number | undefined;
  /** Longest read pause (see `pauseLimitMs`); read when a pause starts. */
  readonly pauseLimit?: (() => number) | undefined;
}

/** What the flow control did so far: `mqttMetrics` exports these. */
export interface FlowStats {
  /** QoS 0 messages dropped by the overflow policy. */
  dropped: number;
  /** Times reading paused because too many QoS 1/2 messages waited. */
  pauses: number;
  /** Handler runs failed by their `handlerTimeout`. */
  timeouts: number;
  /** Redelivered copies of a message still being handled, joined to it instead of run again. */
  redeliveries: number;
}

/** MQTT 5 PUBACK reason code for a message whose handler failed: "Unspecified error". */
export const HANDLER_FAILED = 0x80;

/** Marks a QoS 1/2 message we did not take because we are stopping: mqtt.js then skips its ack. */
const STOPPING = new Error('stopping: message left unacknowledged for redelivery');
/** The outcome of a run of `@OnMessage` hooks: their failures are theirs, not the message's. */
const HOOKS_DONE = (): true => true;
/** Tells mqtt.js not to acknowledge (the ack queue will) and to read the next packet. */
const ACK_LATER = new Error('acknowledged by koa-mqtt once handled');

/**
 * Receives every PUBLISH from mqtt.js (`client.handleMessage`) and calls mqtt.js back at once,
 * so mqtt.js always reads on: acks, SUBACKs and PINGRESPs are never stuck behind a busy handler.
 * Messages wait in our own queue for a slot (`Scheduler`: `maxInFlight`, per-handler
 * `concurrency`, per-topic ordering) and are acknowledged by the ack queue, in arrival order,
 * once every run started (`auto`) or settled (`after-handler`). Until then the broker counts
 * them against our Receive Maximum (MQTT 5) or its in-flight window (3.1.1) and holds the rest.
 * Bounds: QoS 0 messages beyond `maxQueued` are dropped (`overflow`); beyond `maxQueued` QoS 1/2
 * messages (a broker ignoring those windows), reading pauses, at most `pauseLimit` ms at a time
 * and never again before reading as long.
 */
export class Dispatcher {
  private stopping = false;
  private readonly idleWaiters: Array<() => void> = [];
  private readonly selection: Selection = { routes: [], fallback: false, first: false };
  private readonly acks: AckQueue;
  private readonly scheduler: Scheduler<Job>;
  private readonly defaultLane: Lane;
  /** Every lane, for `Scheduler.purge`. */
  private readonly lanes = new Set<Lane>();
  /** Deliveries cancelled since the queues were last purged of them. */
  private cancelledSincePurge = 0;
  private readonly redeliveries: Redeliveries;
  private readonly maxQueued: number;
  private readonly overflow: Overflow;
  /** Deliveries queued, per QoS class, oldest first (entries that left the queue are skipped lazily). */
  private readonly queue0 = new Fifo<Delivery>();
  private readonly queue12 = new Fifo<Delivery>();
  private queued0 = 0;
  private queued12 = 0;
  /** Resumes reading during a pause. */
  private held: (() => void) | undefined;
  private noPauseUntil = 0;
  readonly stats: FlowStats = { dropped: 0, pauses: 0, timeouts: 0, redeliveries: 0 };
  /** The app-wide middleware, composed, around the `@OnMessage` fallback (set at start; none: undefined). */
  aroundFallback: ComposedMiddleware | undefined;
  /** Metrics and the like (see `addObserver`); undefined costs one check per message and handler. */
  observer: DispatchObserver | undefined;

  constructor(
    private readonly router: Router,
    private readonly hooks: Hooks,
    private readonly options: DispatcherOptions,
  ) {
    this.acks = new AckQueue(options.acks);
    this.redeliveries = new Redeliveries(() => options.acks.generation);
    this.scheduler = new Scheduler<Job>(options.maxInFlight, options.ordering === 'per-topic', (job) =>
      this.start(job),
    );
    this.defaultLane = new Lane(Number.POSITIVE_INFINITY, options.handlerTimeout ?? 0);
    this.lanes.add(this.defaultLane);
    this.maxQueued = options.maxQueued ?? DEFAULT_MAX_QUEUED;
    this.overflow = options.overflow ?? DEFAULT_OVERFLOW;
  }

  /** Handler runs going on now (runs that timed out are not counted: their slot was freed). */
  get inFlight(): number {
    return this.scheduler.running;
  }

  /** Messages received and waiting for a handler slot. */
  get queued(): number {
    return this.queued0 + this.queued12;
  }

  /** True while reading from the broker is paused (too many QoS 1/2 messages queued). */
  get paused(): boolean {
    return this.held !== undefined;
  }

  /** A connection came up: without the session, packet identifiers start afresh. */
  connected(sessionPresent: boolean): void {
    if (!sessionPresent) this.redeliveries.clear();
    else this.redeliveries.reconnected();
  }

  /** The lane of a handler with its own `concurrency` or `handlerTimeout` (for its `Route`). */
  laneFor(concurrency: number | undefined, handlerTimeout: number | undefined): Lane | undefined {
    if (concurrency === undefined && handlerTimeout === undefined) return undefined;
    const lane = new Lane(
      concurrency ?? Number.POSITIVE_INFINITY,
      handlerTimeout ?? this.options.handlerTimeout ?? 0,
    );
    this.lanes.add(lane);
    return lane;
  }

  /**
   * Forgets the lane of a route that was removed (a runtime subscription unsubscribed): without
   * it, an app subscribing and unsubscribing with `concurrency` or `handlerTimeout` kept every
   * lane it ever made. Runs already queued in it still run (each job holds its lane).
   */
  releaseLane(lane: Lane | undefined): void {
    if (lane !== undefined && lane !== this.defaultLane) this.lanes.delete(lane);
  }

  /** Lanes kept: the default one and those of handlers with flow settings of their own. */
  get laneCount(): number {
    return this.lanes.size;
  }

  readonly onPacket: PacketSink = (packet, done) => {
    if (this.stopping) {
      done(packet.qos > 0 ? STOPPING : undefined);
      return;
    }
    const qos = packet.qos;
    if (qos > 0) {
      const earlier = this.redeliveries.find(packet);
      if (earlier !== undefined) {
        this.stats.redeliveries++;
        const ticket = this.acks.enqueue(packet);
        // A copy of a message handled to the end on a connection that closed before its ack
        // could go: acknowledged now (in order), not run again.
        if (earlier.acked) this.acks.settle(ticket, this.redeliveries.takeFinished(earlier));
        // A copy of a message whose handling is not over: acked with it, not run again.
        else earlier.tickets!.push(ticket);
        done(ACK_LATER);
        return;
      }
    }
    const message = new InboundMessage(packet);
    this.observer?.received(message);
    const selection = this.selection;
    this.router.select(
      message.levels,
      packet.properties?.subscriptionIdentifier,
      selection,
      packet.retain ? packet.topic : undefined,
    );
    const routes = selection.routes;
    const fallback = selection.fallback && this.hooks.has('message');
    const every = selection.first && this.hooks.has('everyMessage');
    const jobs = routes.length + (fallback ? 1 : 0) + (every ? 1 : 0);
    if (jobs === 0) {
      this.observer?.handled?.(message, true);
      // Once one ack waits, every later one queues behind it: acks go out in arrival order.
      if (qos > 0 && this.acks.pending > 0) {
        this.acks.settle(this.acks.enqueue(packet));
        done(ACK_LATER);
      } else this.handBack(packet, undefined, done);
      return;
    }
    if (qos === 0 && this.queued0 >= this.maxQueued && !this.makeRoom()) {
      this.stats.dropped++;
      done();
      return;
    }
    let afterHandler = false;
    for (const route of routes) if (route.ack === 'after-handler') afterHandler = true;
    const delivery = new Delivery(message, !afterHandler, jobs);
    if (qos > 0 && (afterHandler || this.acks.pending > 0)) delivery.tickets = [this.acks.enqueue(packet)];
    if (qos === 0) this.queued0++;
    else this.queued12++;
    // `routes` is reused by the next packet: submit reads each route now.
    for (const route of routes)
      this.scheduler.submit(new Job(delivery, route, route.lane ?? this.defaultLane));
    if (fallback) this.scheduler.submit(new Job(delivery, undefined, this.defaultLane, 'message'));
    if (every) this.scheduler.submit(new Job(delivery, undefined, this.defaultLane, 'everyMessage'));
    if (delivery.waiting > 0) {
      // Queued: mqtt.js must not ack it now (its ack is due when it leaves the queue, at the earliest).
      if (qos > 0 && delivery.tickets === undefined) delivery.tickets = [this.acks.enqueue(packet)];
      this.backlog(qos === 0 ? this.queue0 : this.queue12, delivery);
    }
    if (qos > 0 && !delivery.acked && delivery.tickets !== undefined) this.redeliveries.remember(delivery);
    const error = delivery.tickets === undefined ? undefined : ACK_LATER;
    if (qos > 0 && this.queued12 > this.maxQueued) this.pause(() => this.handBack(packet, error, done));
    else this.handBack(packet, error, done);
  };

  /**
   * Calls mqtt.js back for `packet`. A QoS 1 ack due now (`error` undefined: mqtt.js would send
   * it) is ours instead, so that it leaves in the one write of this turn's PUBACKs
   * (`PubackWriter`); after a pause it is due when reading resumes, as before.
   */
  private handBack(packet: IPublishPacket, error: Error | undefined, done: (error?: Error) => void): void {
    if (error === undefined && packet.qos === 1) {
      this.acks.ackNow(packet);
      done(ACK_LATER);
    } else done(error);
  }

  /** Remembers a queued delivery (for drop-oldest and `drain`), dropping entries that left the queue now and then. */
  private backlog(fifo: Fifo<Delivery>, delivery: Delivery): void {
    fifo.push(delivery);
    if (fifo.length > 2 * this.queued + 64) fifo.retain(isQueued);
  }

  /** drop-oldest: cancels the oldest QoS 0 delivery none of whose runs started. False if none. */
  private makeRoom(): boolean {
    if (this.overflow !== 'drop-oldest') return false;
    for (;;) {
      const oldest = this.queue0.shift();
      if (oldest === undefined) return false;
      if (oldest.cancelled || oldest.waiting < oldest.jobs) continue; // gone, or partly started
      this.cancel(oldest);
      this.stats.dropped++;
      return true;
    }
  }

  /** Gives up a queued delivery: its runs not started never start; acks it owes are skipped. */
  private cancel(delivery: Delivery): void {
    delivery.cancelled = true;
    this.leaveQueue(delivery);
    this.skipAcks(delivery);
    // Amortised: purge once the cancelled outnumber the live queue.
    if (++this.cancelledSincePurge > 64 + this.queued && !this.stopping) {
      this.cancelledSincePurge = 0;
      this.scheduler.purge(this.lanes);
    }
  }

  private leaveQueue(delivery: Delivery): void {
    if (delivery.message.packet.qos === 0) this.queued0--;
    else {
      this.queued12--;
      if (this.held !== undefined && this.queued12 <= this.maxQueued) this.held();
    }
  }

  /** Holds mqtt.js's callback (no reading) until the queue shrinks or the pause limit passed. */
  private pause(resume: () => void): void {
    const now = performance.now();
    if (now < this.noPauseUntil) {
      resume();
      return;
    }
    this.stats.pauses++;
    const limit = this.options.pauseLimit?.() ?? 15_000;
    const release = () => {
      clearTimeout(timer);
      this.held = undefined;
      // Read at least as long as a pause may last: whatever waits behind (a PINGRESP) gets through.
      this.noPauseUntil = performance.now() + limit;
      resume();
    };
    const timer = setTimeout(release, limit);
    this.held = release;
  }

  /** The scheduler starts a run. */
  private start(job: Job): void {
    const delivery = job.delivery;
    if (--delivery.waiting === 0) {
      this.leaveQueue(delivery);
      if (delivery.ackOnStart) this.settleAcks(delivery, 0);
    }
    const outcome = this.run(job);
    if (outcome === true || outcome === false) this.ended(job, outcome);
    else void outcome.then((ok) => this.ended(job, ok));
  }

  /** A run settled, or timed out (then its later settlement is ignored). */
  private ended(job: Job, ok: boolean): void {
    this.scheduler.finish(job);
    const delivery = job.delivery;
    if (!ok) delivery.ok = false;
    if (--delivery.unsettled === 0) {
      if (!delivery.ackOnStart) this.settleAcks(delivery, delivery.ok ? 0 : HANDLER_FAILED);
      this.observer?.handled?.(delivery.message, delivery.ok);
    }
    if (this.scheduler.running === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private settleAcks(delivery: Delivery, reasonCode: number): void {
    if (delivery.acked) return;
    delivery.acked = true;
    const tickets = delivery.tickets;
    // Every ack it owes was for a connection that closed: the broker sends the message again on
    // this one (session kept), and that copy is then acknowledged without a second run.
    if (tickets?.every((ticket) => !this.acks.isCurrent(ticket)))
      this.redeliveries.finished(delivery, reasonCode);
    else this.redeliveries.forget(delivery);
    if (delivery.tickets !== undefined)
      for (const ticket of delivery.tickets) this.acks.settle(ticket, reasonCode);
  }

  private skipAcks(delivery: Delivery): void {
    if (delivery.acked) return;
    delivery.acked = true;
    this.redeliveries.forget(delivery);
    if (delivery.tickets !== undefined) for (const ticket of delivery.tickets) this.acks.skip(ticket);
  }

  /**
   * One run: true/false when the handler returned/threw synchronously, else a Promise of that,
   * settled at the latest when the lane's timeout fires. Never throws, never rejects.
   */
  private run(job: Job): boolean | Promise<boolean> {
    const { route, delivery } = job;
    const message = delivery.message;
    if (route === undefined) {
      const ctx = new MqttContext(message, EMPTY, 'OnMessage');
      // A hook's failure is reported, never the message's: a hung hook is too, once timed out.
      return this.bounded(job, this.runHooks(job.hook, ctx), (timeout) => {
        void this.hooks.error(new MqttHandlerTimeoutError('@OnMessage', message.topic, timeout), ctx);
        return true;
      });
    }
    const params = route.pattern.extractLevels(message.levels);
    const t0 = this.observer ? this.begin(route, message) : -1;
    let result: unknown;
    try {
      result = route.handler!.invoke(message, params);
    } catch (error) {
      return this.fail(asError(error), route, message, params, t0);
    }
    if (!(result instanceof Promise)) return this.succeed(route, message, result, t0);
    const settled = result.then(
      (value) => (job.timedOut ? true : this.succeed(route, message, value, t0)),
      (error: unknown) => (job.timedOut ? false : this.fail(asError(error), route, message, params, t0)),
    );
    return this.bounded(job, settled, (timeout) =>
      this.fail(
        new MqttHandlerTimeoutError(route.handler!.name, message.topic, timeout),
        route,
        message,
        params,
        t0,
      ),
    );
  }

  /**
   * The `@OnMessage` hooks of one message. The fallback runs inside the app-wide middleware, as
   * Koa runs its middleware for a request no route takes (one chain per message: the fallback
   * runs only when no handler did); `{ all: true }` hooks, which see messages handlers also
   * run, do not. A failure, of a hook or of that middleware, is reported, never the message's.
   */
  private runHooks(hook: 'message' | 'everyMessage', ctx: MqttContext): Promise<boolean> {
    const around = hook === 'message' ? this.aroundFallback : undefined;
    if (around === undefined) return this.hooks.run(hook, ctx).then(HOOKS_DONE);
    return Promise.resolve(around(ctx, () => this.hooks.run(hook, ctx))).then(
      HOOKS_DONE,
      (error: unknown) => {
        void this.hooks.error(asError(error), ctx);
        return true;
      },
    );
  }

  /**
   * `settled`, or at the latest once the lane's `handlerTimeout` passed: the run is then failed
   * (`onTimeout` reports it and gives the outcome), its slot freed, and whatever `settled` gives
   * later is ignored.
   */
  private bounded(
    job: Job,
    settled: Promise<boolean>,
    onTimeout: (timeoutMs: number) => boolean,
  ): Promise<boolean> {
    const timeout = job.lane.timeout;
    if (timeout <= 0) return settled;
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        job.timedOut = true;
        this.stats.timeouts++;
        resolve(onTimeout(timeout));
      }, timeout);
      void settled.then((ok) => {
        if (job.timedOut) return;
        clearTimeout(timer);
        resolve(ok);
      });
    });
  }

  private begin(route: Route, message: InboundMessage): number {
    this.observer?.started(route, message);
    return performance.now();
  }

  private succeed(route: Route, message: InboundMessage, value: unknown, t0: number): true {
    if (t0 >= 0) this.observer?.settled(route, message, performance.now() - t0, undefined, value);
    this.options.afterHandler?.(message, route, value, undefined);
    return true;
  }

  private fail(error: Error, route: Route, message: InboundMessage, params: TopicParams, t0: number): false {
    if (t0 >= 0) this.observer?.settled(route, message, performance.now() - t0, error);
    this.options.afterHandler?.(message, route, undefined, error);
    const ctx = contextOfFailure(error) ?? new MqttContext(message, params, route.handler!.name);
    void this.hooks.error(error, ctx);
    return false;
  }

  /**
   * Stops taking messages: new QoS 1/2 ones and those still queued are left unacknowledged
   * (the broker redelivers them), and waits up to `timeoutMs` for the runs going on.
   */
  async drain(timeoutMs: number): Promise<boolean> {
    this.stopping = true;
    for (const delivery of [...this.queue0.drain(), ...this.queue12.drain()]) {
      if (!delivery.cancelled && delivery.waiting > 0) this.cancel(delivery);
    }
    this.scheduler.purge(this.lanes);
    this.held?.();
    if (this.scheduler.running === 0) return true;
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /** Takes messages again (after `drain`, for a restart). */
  resume(): void {
    this.stopping = false;
  }
}

const EMPTY: TopicParams = Object.freeze({});

function isQueued(delivery: Delivery): boolean {
  return !delivery.cancelled && delivery.waiting > 0;
}
