import type { PacketSink } from '../client/connection.js';
import { InboundMessage } from '../payload/message.js';
import { AckQueue, type AckTransport } from './acks.js';
import { MqttContext, type TopicParams } from './context.js';
import { asError, type Hooks } from './hooks.js';
import type { DispatchObserver } from './observer.js';
import { KeyedSequencer, type Ordering } from './ordering.js';
import type { Route, Router, Selection } from './router.js';

/** Called after a handler returned (value) or threw (error); used for MQTT 5 replies. */
export type AfterHandler = (
  message: InboundMessage,
  route: Route,
  value: unknown,
  error: Error | undefined,
) => void;

export interface DispatcherOptions {
  /** Most handler executions running (or waiting for their topic) at once; past it, mqtt.js stops reading the socket. */
  readonly maxInFlight: number;
  /** Sends the acknowledgements the dispatcher takes over from mqtt.js. */
  readonly acks: AckTransport;
  /** `per-topic`: messages of one topic are handled one after another, in arrival order. */
  readonly ordering?: Ordering | undefined;
  readonly afterHandler?: AfterHandler | undefined;
}

/** MQTT 5 PUBACK reason code for a message whose handler failed: "Unspecified error". */
export const HANDLER_FAILED = 0x80;

/** Marks a QoS 1/2 message we did not take because we are stopping: mqtt.js then skips its ack. */
const STOPPING = new Error('stopping: message left unacknowledged for redelivery');
/** Tells mqtt.js not to acknowledge (the ack queue will) and to read the next packet. */
const ACK_LATER = new Error('acknowledged by koa-mqtt once handled');

/**
 * Receives every PUBLISH from mqtt.js (`client.handleMessage`), runs the matching handlers and
 * reports their errors. Acknowledgements: with `auto`, mqtt.js acks on receipt; with
 * `after-handler`, mqtt.js is told to skip the ack and keep reading, and the ack queue sends
 * it once every handler settled, in arrival order. Backpressure: while `maxInFlight`
 * executions run, mqtt.js's callback is held, so it stops reading the socket.
 */
export class Dispatcher {
  private running = 0;
  private stopping = false;
  private readonly blocked: Array<() => void> = [];
  private readonly idleWaiters: Array<() => void> = [];
  private readonly selection: Selection = { routes: [], fallback: false, first: false };
  private readonly acks: AckQueue;
  private readonly sequencer: KeyedSequencer | undefined;
  /** Metrics and the like (see `addObserver`); undefined costs one check per message and handler. */
  observer: DispatchObserver | undefined;

  constructor(
    private readonly router: Router,
    private readonly hooks: Hooks,
    private readonly options: DispatcherOptions,
  ) {
    this.acks = new AckQueue(options.acks);
    this.sequencer = options.ordering === 'per-topic' ? new KeyedSequencer() : undefined;
  }

  /** Handler executions running now (and, with per-topic ordering, messages waiting for their topic). */
  get inFlight(): number {
    return this.running + (this.sequencer?.waiting ?? 0);
  }

  readonly onPacket: PacketSink = (packet, done) => {
    if (this.stopping) {
      done(packet.qos > 0 ? STOPPING : undefined);
      return;
    }
    const message = new InboundMessage(packet);
    this.observer?.received(message);
    const selection = this.selection;
    this.router.select(message.levels, packet.properties?.subscriptionIdentifier, selection);
    let afterHandler = false;
    for (const route of selection.routes) if (route.ack === 'after-handler') afterHandler = true;
    // Once one ack waits, every later one queues behind it: acks go out in arrival order.
    const ticket =
      packet.qos > 0 && (afterHandler || this.acks.pending > 0) ? this.acks.enqueue(packet) : undefined;
    let outcome: boolean | Promise<boolean>;
    if (this.sequencer) {
      const routes = [...selection.routes];
      const { fallback, first } = selection;
      outcome = this.sequencer.run(packet.topic, () => this.handle(message, routes, fallback, first));
      // A message that waited for its topic may finish without any tracked execution.
      if (outcome instanceof Promise) void outcome.then(() => this.wake());
    } else {
      outcome = this.handle(message, selection.routes, selection.fallback, selection.first);
    }
    if (ticket) {
      if (!afterHandler) this.acks.settle(ticket);
      else if (outcome instanceof Promise) void outcome.then((ok) => this.acks.settle(ticket, code(ok)));
      else this.acks.settle(ticket, code(outcome));
    }
    this.release(done, ticket ? ACK_LATER : undefined);
  };

  /**
   * Runs every selected handler (and the fallback, and on a message's first copy the
   * `@OnMessage({ all: true })` hooks); true when none failed. Never throws, never rejects.
   */
  private handle(
    message: InboundMessage,
    routes: readonly Route[],
    fallback: boolean,
    first: boolean,
  ): boolean | Promise<boolean> {
    let ok = true;
    let pending: Array<Promise<boolean>> | undefined; // allocated only when a handler is async
    for (const route of routes) {
      const result = this.run(route, message);
      if (result === false) ok = false;
      else if (result !== true) {
        pending = pending ?? [];
        pending.push(result);
      }
    }
    if (fallback && this.hooks.has('message')) {
      const ctx = new MqttContext(message, EMPTY, 'OnMessage');
      pending = pending ?? [];
      pending.push(this.track(this.hooks.run('message', ctx).then(() => true)));
    }
    if (first && this.hooks.has('everyMessage')) {
      const ctx = new MqttContext(message, EMPTY, 'OnMessage');
      pending = pending ?? [];
      pending.push(this.track(this.hooks.run('everyMessage', ctx).then(() => true)));
    }
    if (!pending) return ok;
    return Promise.all(pending).then((results) => ok && !results.includes(false));
  }

  /** Runs one handler: true/false when it returned/threw synchronously, else a Promise of that. */
  private run(route: Route, message: InboundMessage): boolean | Promise<boolean> {
    const params = route.pattern.extractLevels(message.levels);
    const t0 = this.observer ? this.start(route, message) : -1;
    let result: unknown;
    try {
      result = route.handler!.invoke(message, params);
    } catch (error) {
      return this.fail(asError(error), route, message, params, t0);
    }
    if (result instanceof Promise) {
      return this.track(
        result.then(
          (value) => this.succeed(route, message, value, t0),
          (error: unknown) => this.fail(asError(error), route, message, params, t0),
        ),
      );
    }
    return this.succeed(route, message, result, t0);
  }

  private start(route: Route, message: InboundMessage): number {
    this.observer?.started(route, message);
    return performance.now();
  }

  private succeed(route: Route, message: InboundMessage, value: unknown, t0: number): true {
    if (t0 >= 0) this.observer?.settled(route, message, performance.now() - t0, undefined);
    this.options.afterHandler?.(message, route, value, undefined);
    return true;
  }

  private fail(error: Error, route: Route, message: InboundMessage, params: TopicParams, t0: number): false {
    if (t0 >= 0) this.observer?.settled(route, message, performance.now() - t0, error);
    this.options.afterHandler?.(message, route, undefined, error);
    void this.hooks.error(error, new MqttContext(message, params, route.handler!.name));
    return false;
  }

  /** Counts an async execution in flight until it settles. */
  private track<T>(settled: Promise<T>): Promise<T> {
    this.running++;
    return settled.then((value) => {
      this.running--;
      this.wake();
      return value;
    });
  }

  /** After an execution ended: lets one blocked read go on if a slot is free; wakes `drain` when idle. */
  private wake(): void {
    if (this.blocked.length > 0 && this.inFlight < this.options.maxInFlight) this.blocked.shift()!();
    if (this.inFlight === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  /** Lets mqtt.js read the next packet (acking this one unless told not to), now or when a slot frees. */
  private release(done: (error?: Error) => void, error: Error | undefined): void {
    if (this.inFlight >= this.options.maxInFlight) this.blocked.push(() => done(error));
    else done(error);
  }

  /** Stops taking messages (QoS 1/2 ones are left unacknowledged) and waits for handlers in flight. */
  async drain(timeoutMs: number): Promise<boolean> {
    this.stopping = true;
    for (const done of this.blocked.splice(0)) done();
    if (this.inFlight === 0) return true;
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

function code(ok: boolean): number {
  return ok ? 0 : HANDLER_FAILED;
}

const EMPTY: TopicParams = Object.freeze({});
