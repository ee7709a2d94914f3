import type { AckMode } from '../metadata/types.js';
import { type TopicPattern, TopicTrie } from '../topic/index.js';
import type { CompiledHandler } from './handler.js';

/** A handler bound to a pattern; or, with no handler, a bare subscription (for copy accounting). */
export interface Route {
  readonly handler: CompiledHandler | undefined;
  readonly pattern: TopicPattern;
  /**
   * The MQTT 5 subscription identifier of the subscription that brings this route its
   * messages; undefined for `onTopic` routes, which have no subscription of their own.
   */
  subscriptionId: number | undefined;
  readonly ack: AckMode;
}

/** What one received copy of a message must run. */
export interface Selection {
  readonly routes: Route[];
  /** True when the `@OnMessage` fallback should run for this copy. */
  fallback: boolean;
}

/**
 * Finds the routes a received copy of a message must run, so that each handler runs
 * exactly once per message whatever the broker does with overlapping subscriptions:
 * - a copy without subscription identifiers (MQTT 3.1.1, or a broker that sends one
 *   copy) runs every matching route;
 * - a copy with identifiers runs the routes of those subscriptions; routes without a
 *   subscription (`onTopic`) and the fallback run on the copy of the lowest identifier
 *   among the matching subscriptions, so once.
 */
export class Router {
  private readonly trie = new TopicTrie<Route>();
  private readonly matched: Route[] = [];

  add(route: Route): void {
    this.trie.add(route.pattern.filter, route);
  }

  remove(route: Route): boolean {
    return this.trie.remove(route.pattern.filter, route);
  }

  get size(): number {
    return this.trie.size;
  }

  select(levels: readonly string[], ids: number | readonly number[] | undefined, out: Selection): void {
    const routes = out.routes;
    routes.length = 0;
    const matched = this.trie.matchLevels(levels, this.matched);
    let handlers = 0;
    if (ids === undefined) {
      for (const route of matched) {
        if (route.handler) {
          routes.push(route);
          handlers++;
        }
      }
      out.fallback = handlers === 0;
    } else {
      let lowest = Number.POSITIVE_INFINITY;
      for (const route of matched) {
        if (route.handler) handlers++;
        if (route.subscriptionId !== undefined && route.subscriptionId < lowest)
          lowest = route.subscriptionId;
      }
      const ownsShared = lowest === Number.POSITIVE_INFINITY || carries(ids, lowest);
      for (const route of matched) {
        if (!route.handler) continue;
        if (route.subscriptionId === undefined ? ownsShared : carries(ids, route.subscriptionId))
          routes.push(route);
      }
      out.fallback = handlers === 0 && ownsShared;
    }
    matched.length = 0;
    dedupeHandlers(routes);
  }
}

function carries(ids: number | readonly number[], id: number): boolean {
  return typeof ids === 'number' ? ids === id : ids.includes(id);
}

/** A method with several `@Topic`s that all match runs once (the first, most specific, route wins). */
function dedupeHandlers(routes: Route[]): void {
  if (routes.length < 2) return;
  for (let i = routes.length - 1; i > 0; i--) {
    const handler = routes[i]!.handler;
    for (let j = 0; j < i; j++) {
      if (routes[j]!.handler === handler) {
        routes.splice(i, 1);
        break;
      }
    }
  }
}
