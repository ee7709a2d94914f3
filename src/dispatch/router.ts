import type { AckMode } from '../metadata/types.js';
import { type TopicPattern, TopicTrie } from '../topic/index.js';
import type { CompiledHandler } from './handler.js';
import type { Lane } from './lane.js';

/** A handler bound to a pattern; or, with no handler, a bare subscription (for copy accounting). */
export interface Route {
  readonly handler: CompiledHandler | undefined;
  readonly pattern: TopicPattern;
  /**
   * The subscription that brings this route its messages (its MQTT 5 identifier may change);
   * undefined for `onTopic` routes, which have no subscription of their own.
   */
  readonly subscription: SubscriptionRef | undefined;
  readonly ack: AckMode;
  /** Its own `concurrency` / `handlerTimeout` (`Dispatcher.laneFor`); undefined: the app's defaults. */
  readonly lane?: Lane | undefined;
  /**
   * Which SUBSCRIBE of its subscription replays retained messages to it (`Subscriber.add`'s
   * `replayGeneration`); undefined: only the replays after a lost session.
   */
  readonly replayGeneration?: number | undefined;
}

/** The part of a subscription the router reads: its identifier, 0 for none. */
export interface SubscriptionRef {
  readonly id: number;
  /** Also accepted while a changed identifier waits for the broker's acknowledgement. */
  readonly formerId: number | undefined;
  readonly options: { readonly retainAsPublished: boolean };
  /** Its retained-replay window (`ReplayWindow` in client/subscriptions.ts). */
  readonly replay: {
    readonly generation: number;
    readonly everyone: boolean;
    readonly open: boolean;
    seen: Set<string> | undefined;
  };
}

/** What one received copy of a message must run. */
export interface Selection {
  readonly routes: Route[];
  /** True when the `@OnMessage` fallback should run for this copy. */
  fallback: boolean;
  /** True for the one copy of a message that `@OnMessage({ all: true })` sees. */
  first: boolean;
}

/**
 * Finds the routes a received copy of a message must run, so that each handler runs
 * exactly once per message whatever the broker does with overlapping subscriptions:
 * - without identifiers in use (MQTT 3.1.1, or a broker without them) a copy runs every
 *   matching route: such brokers send one copy per message;
 * - with them, a copy runs the routes of the subscriptions it names (a copy naming none
 *   comes from a subscription without identifier: 0); routes without a subscription
 *   (`onTopic`) and the fallback run on the copy of the lowest identifier among the
 *   matching subscriptions, so once.
 */
export class Router {
  /** A route is registered under its own pattern's filter only (see `add`). */
  private readonly trie = new TopicTrie<Route>({ oneFilterPerValue: true });
  private readonly matched: Route[] = [];
  /** Subscriptions whose replay a retained copy is (reused per message). */
  private readonly replaying: SubscriptionRef[] = [];
  /** Whether subscriptions carry MQTT 5 identifiers on the current connection (set by the app). */
  identifiers: () => boolean = () => false;
  /**
   * Whether the broker holds covering filters wider than the wanted ones (set by the app): a
   * message matching no wanted subscription then runs nothing, not even the fallback.
   */
  covering: () => boolean = () => false;

  add(route: Route): void {
    this.trie.add(route.pattern.filter, route);
  }

  remove(route: Route): boolean {
    return this.trie.remove(route.pattern.filter, route);
  }

  get size(): number {
    return this.trie.size;
  }

  /**
   * @param retained the topic of a copy with RETAIN set (else undefined): without identifiers,
   *   such a copy is a replay for a SUBSCRIBE and runs only the routes that replay is for.
   */
  select(
    levels: readonly string[],
    packetIds: number | readonly number[] | undefined,
    out: Selection,
    retained?: string,
  ): void {
    const routes = out.routes;
    clear(routes);
    const matched = this.trie.matchLevels(levels, this.matched);
    let handlers = 0;
    if (!this.identifiers()) {
      if (this.covering() && !matched.some((route) => route.subscription !== undefined)) {
        clear(matched);
        out.fallback = false;
        return;
      }
      if (retained !== undefined) {
        this.selectReplay(matched, retained, out);
        return;
      }
      for (const route of matched) {
        if (route.handler) {
          routes.push(route);
          handlers++;
        }
      }
      out.fallback = handlers === 0;
      out.first = true;
    } else {
      const ids = packetIds ?? 0;
      let lowest = Number.POSITIVE_INFINITY;
      for (const route of matched) {
        if (route.handler) handlers++;
        const id = route.subscription?.id;
        if (id !== undefined && id < lowest) lowest = id;
      }
      const ownsShared = lowest === Number.POSITIVE_INFINITY || carries(ids, lowest);
      for (const route of matched) {
        if (!route.handler) continue;
        const subscription = route.subscription;
        const runs =
          subscription === undefined
            ? ownsShared
            : carries(ids, subscription.id) ||
              (subscription.formerId !== undefined && carries(ids, subscription.formerId));
        if (runs) routes.push(route);
      }
      out.fallback = handlers === 0 && ownsShared;
      out.first = ownsShared;
    }
    clear(matched);
    dedupeHandlers(routes);
  }

  /**
   * A copy with RETAIN set, without identifiers: the broker sends these only for a SUBSCRIBE
   * (MQTT 3.1.1 §3.3.1.3: RETAIN is 0 on messages for an established subscription), once per
   * matching filter in it. It runs the routes the replay is for (see `ReplayWindow`), each topic
   * once per window; routes without a subscription (`onTopic`) and the fallback run with them.
   * A copy for nobody (a filter re-sent for other handlers, a duplicate) runs nothing. A
   * `retainAsPublished` subscription (MQTT 5) keeps RETAIN on live messages: its routes always run.
   */
  private selectReplay(matched: Route[], topic: string, out: Selection): void {
    const routes = out.routes;
    const replaying = this.replaying;
    let handlers = 0;
    let any = false;
    for (const route of matched) {
      const subscription = route.subscription;
      if (subscription === undefined) continue;
      const live = subscription.options.retainAsPublished;
      if (!live && !replayFor(route, subscription, topic)) continue;
      any = true;
      if (!live && !replaying.includes(subscription)) replaying.push(subscription);
      if (route.handler) {
        routes.push(route);
        handlers++;
      }
    }
    if (any)
      for (const route of matched) if (route.subscription === undefined && route.handler) routes.push(route);
    for (const subscription of replaying) {
      subscription.replay.seen ??= new Set();
      subscription.replay.seen.add(topic);
    }
    clear(replaying);
    clear(matched);
    out.fallback = any && handlers === 0;
    out.first = any;
    dedupeHandlers(routes);
  }
}

/** Whether a retained replay of `topic` is for `route`: an open window it joined, the topic not replayed yet. */
function replayFor(route: Route, subscription: SubscriptionRef, topic: string): boolean {
  const window = subscription.replay;
  return (
    window.open &&
    (window.everyone || route.replayGeneration === window.generation) &&
    window.seen?.has(topic) !== true
  );
}

function carries(ids: number | readonly number[], id: number): boolean {
  return typeof ids === 'number' ? ids === id : ids.includes(id);
}

/** A method with several `@Topic`s that all match runs once (the first, most specific, route wins). */
function dedupeHandlers(routes: Route[]): void {
  if (routes.length < 2) return;
  for (let i = routes.length - 1; i > 0; i--) {
    const handler = origin(routes[i]!.handler!);
    for (let j = 0; j < i; j++) {
      if (origin(routes[j]!.handler!) === handler) {
        routes.splice(i, 1);
        break;
      }
    }
  }
}

/** Routes of one method with middleware have a wrapper each (their route differs): compare what they wrap. */
function origin(handler: CompiledHandler): CompiledHandler {
  return handler.of ?? handler;
}

/**
 * Empties one of the arrays reused per message. `array.length = 0` cost about 35 ns in V8 here
 * (a call out of optimised code) against 2 ns for popping the one or two items they hold.
 */
function clear(array: unknown[]): void {
  while (array.length !== 0) array.pop();
}
