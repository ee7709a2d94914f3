import type { PacketSink } from '../client/connection.js';
import { MqttContext, type TopicParams } from './context.js';
import { asError, type Hooks } from './hooks.js';
import { InboundMessage } from './message.js';
import type { DispatchObserver } from './observer.js';
import type { Route, Router, Selection } from './router.js';

/** Called after a handler returned (value) or threw (error); used for MQTT 5 replies. */
export type AfterHandler = (
  message: InboundMessage,
  route: Route,
  value: unknown,
  error: Error | undefined,
) => void;

export interface DispatcherOptions {
  /** Most handler executions running at once; past it, mqtt.js stops reading the socket. */
  readonly maxInFlight: number;
  readonly afterHandler?: AfterHandler | undefined;
}

/** Marks a QoS 1/2 message we did not take because we are stopping: mqtt.js then skips its ack. */
const STOPPING = new Error('stopping: message left unacknowledged for redelivery');

/**
 * Receives every PUBLISH from mqtt.js (`client.handleMessage`), runs the matching handlers,
 * reports their errors, and tells mqtt.js when to acknowledge and read on:
 * at once (`auto`), after every handler settled (`after-handler`), or, when `maxInFlight`
 * handlers are running, once one of them finishes (backpressure).
 */
export class Dispatcher {
  private running = 0;
  private stopping = false;
  private readonly blocked: Array<() => void> = [];
  private readonly idleWaiters: Array<() => void> = [];
  private readonly selection: Selection = { routes: [], fallback: false };
  /** Metrics and the like (see `addObserver`); undefined costs one check per message and handler. */
  observer: DispatchObserver | undefined;

  constructor(
    private readonly router: Router,
    private readonly hooks: Hooks,
    private readonly options: DispatcherOptions,
  ) {}

  /** Handler executions (and fallback hooks) running now. */
  get inFlight(): number {
    return this.running;
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
    let pending: Array<Promise<void>> | undefined;
    let waitForHandlers = false;
    for (const route of selection.routes) {
      const settled = this.run(route, message);
      if (settled) {
        pending ??= [];
        pending.push(settled);
        if (route.ack === 'after-handler') waitForHandlers = true;
      }
    }
    if (selection.fallback && this.hooks.has('message')) {
      pending ??= [];
      pending.push(this.track(this.hooks.run('message', new MqttContext(message, EMPTY, 'OnMessage'))));
    }
    if (waitForHandlers && packet.qos > 0 && pending) {
      Promise.all(pending).then(() => this.release(done));
    } else {
      this.release(done);
    }
  };

  /** Runs one handler; returns a Promise only when it is async. Never throws, never rejects. */
  private run(route: Route, message: InboundMessage): Promise<void> | undefined {
    const params = route.pattern.extractLevels(message.levels);
    const t0 = this.observer ? this.start(route, message) : -1;
    let result: unknown;
    try {
      result = route.handler!.invoke(message, params);
    } catch (error) {
      this.fail(asError(error), route, message, params, t0);
      return undefined;
    }
    if (result instanceof Promise) {
      return this.track(
        result.then(
          (value) => this.succeed(route, message, value, t0),
          (error: unknown) => this.fail(asError(error), route, message, params, t0),
        ),
      );
    }
    this.succeed(route, message, result, t0);
    return undefined;
  }

  private start(route: Route, message: InboundMessage): number {
    this.observer?.started(route, message);
    return performance.now();
  }

  private succeed(route: Route, message: InboundMessage, value: unknown, t0: number): void {
    if (t0 >= 0) this.observer?.settled(route, message, performance.now() - t0, undefined);
    this.options.afterHandler?.(message, route, value, undefined);
  }

  private fail(error: Error, route: Route, message: InboundMessage, params: TopicParams, t0: number): void {
    if (t0 >= 0) this.observer?.settled(route, message, performance.now() - t0, error);
    this.options.afterHandler?.(message, route, undefined, error);
    void this.hooks.error(error, new MqttContext(message, params, route.handler!.name));
  }

  /** Counts an async execution in flight until it settles. */
  private track(settled: Promise<unknown>): Promise<void> {
    this.running++;
    return settled.then(() => {
      this.running--;
      if (this.blocked.length > 0 && this.running < this.options.maxInFlight) this.blocked.shift()!();
      if (this.running === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
    });
  }

  /** Lets mqtt.js ack and read the next packet, now or when a slot frees. */
  private release(done: () => void): void {
    if (this.running >= this.options.maxInFlight) this.blocked.push(done);
    else done();
  }

  /** Stops taking messages (QoS 1/2 ones are left unacknowledged) and waits for handlers in flight. */
  async drain(timeoutMs: number): Promise<boolean> {
    this.stopping = true;
    for (const done of this.blocked.splice(0)) done();
    if (this.running === 0) return true;
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
