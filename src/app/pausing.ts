import type { Subscriber } from '../client/subscriber.js';
import type { Route, Router } from '../dispatch/router.js';
import { MqttUsageError } from '../errors.js';
import type { ControllerDefinition, RouteDefinition } from '../metadata/definitions.js';
import type { ControllerPausing, PauseTarget } from '../service/service-host.js';
import { parsePattern } from '../topic/index.js';
import type { DeadLetters } from './dead-letter.js';

/**
 * Pauses and resumes controller `@Topic` subscriptions at runtime. Pausing removes the routes
 * from the router (their handlers stop running at once, messages already on their way included)
 * and drops their subscription at the broker (UNSUBSCRIBE, unless a runtime subscription holds
 * the same filter); a paused subscription is not sent again on reconnect. Resuming subscribes
 * again and resolves once the broker acknowledged it. Before `start()`, the wish is kept and the
 * routes are mounted paused.
 */
export class Pausing implements ControllerPausing {
  /**
   * The routes mounted at `start()`, as parallel arrays (one slot each per route, not an object:
   * apps have thousands): the class, its definition, the route in the router (rebuilt on resume:
   * the subscription and its MQTT 5 identifier may be new ones), and which are paused.
   */
  private readonly targets: Function[] = [];
  private readonly definitionsOf: RouteDefinition[] = [];
  private readonly routes: Route[] = [];
  private readonly pausedRoutes = new Set<number>();
  /** Targets paused before `start()` mounted anything. */
  private readonly early = new Set<PauseTarget>();

  constructor(
    private readonly definitions: readonly ControllerDefinition[],
    private readonly router: Router,
    private readonly subscriber: Subscriber,
    private readonly deadLetters: DeadLetters,
  ) {}

  /** Whether a route being mounted at `start()` was paused before. */
  pausedEarly(target: Function, filter: string, pattern: string): boolean {
    for (const wanted of this.early) if (matches(wanted, target, filter, pattern)) return true;
    return false;
  }

  /** Records a route mounted at `start()` (paused or not). */
  add(target: Function, definition: RouteDefinition, route: Route, paused: boolean): void {
    if (paused) this.pausedRoutes.add(this.routes.length);
    this.targets.push(target);
    this.definitionsOf.push(definition);
    this.routes.push(route);
  }

  /** Filters of paused routes (each once). */
  get paused(): string[] {
    return unique([...this.pausedRoutes].map((i) => this.filterOf(i)));
  }

  async pause(target: PauseTarget): Promise<string[]> {
    const selected = this.select(target, 'pause');
    if (this.routes.length === 0) {
      this.early.add(target);
      return this.filtersOfDefinitions(target);
    }
    const changed = selected.filter((i) => !this.pausedRoutes.has(i));
    for (const i of changed) {
      this.pausedRoutes.add(i);
      this.router.remove(this.routes[i]!);
    }
    await Promise.all(changed.map((i) => this.subscriber.remove(this.filterOf(i), 'controller')));
    return unique(changed.map((i) => this.filterOf(i)));
  }

  async resume(target: PauseTarget): Promise<string[]> {
    const selected = this.select(target, 'resume');
    if (this.routes.length === 0) {
      this.early.delete(target);
      return this.filtersOfDefinitions(target);
    }
    const changed = selected.filter((i) => this.pausedRoutes.has(i));
    const granted: Array<Promise<number>> = [];
    for (const i of changed) {
      this.pausedRoutes.delete(i);
      const definition = this.definitionsOf[i]!;
      const added = this.subscriber.add(definition.subscriptionFilter, definition.subscription, 'controller');
      const route: Route = {
        ...this.routes[i]!,
        subscription: added.subscription,
        replayGeneration: added.replayGeneration,
      };
      this.routes[i] = route;
      this.deadLetters.set(route, definition.deadLetter);
      this.router.add(route);
      granted.push(added.granted);
    }
    await Promise.all(granted);
    return unique(changed.map((i) => this.filterOf(i)));
  }

  /** The filter sent to the broker for mounted route `i` (`$share/…` included). */
  private filterOf(i: number): string {
    return this.definitionsOf[i]!.subscriptionFilter;
  }

  /** True when `filter` is a controller `@Topic`'s (mounted or not): `unsubscribe` points to `pause`. */
  isControllerFilter(filter: string): boolean {
    return this.allFilters().some(([, f, p]) => f === filter || p === filter || p === normalise(filter));
  }

  /** Indexes of the mounted routes `target` names. */
  private select(target: PauseTarget, call: string): number[] {
    const known = this.allFilters().filter(([t, f, p]) => matches(target, t, f, p));
    if (known.length === 0) {
      const what = typeof target === 'string' ? JSON.stringify(target) : target.name || 'an anonymous class';
      const filters = unique(this.allFilters().map(([, f]) => f));
      throw new MqttUsageError(
        `${call}(${what}): no controller @Topic of this app is ${typeof target === 'string' ? 'subscribed to that filter' : 'in that class'}; ` +
          `${call}() takes a controller class or one of its filters (${filters.map((f) => JSON.stringify(f)).join(', ') || 'none'}). ` +
          'Runtime subscriptions are removed with unsubscribe().',
      );
    }
    const selected: number[] = [];
    for (let i = 0; i < this.routes.length; i++) {
      if (matches(target, this.targets[i]!, this.filterOf(i), this.routes[i]!.pattern.filter))
        selected.push(i);
    }
    return selected;
  }

  /** [class, filter sent, filter without share prefix] of every controller route. */
  private allFilters(): Array<[Function, string, string]> {
    return this.definitions.flatMap((d) =>
      d.handlers.flatMap((h) =>
        h.routes.map((r): [Function, string, string] => [d.target, r.subscriptionFilter, r.pattern.filter]),
      ),
    );
  }

  private filtersOfDefinitions(target: PauseTarget): string[] {
    return unique(
      this.allFilters()
        .filter(([t, f, p]) => matches(target, t, f, p))
        .map(([, f]) => f),
    );
  }
}

function matches(wanted: PauseTarget, target: Function, filter: string, pattern: string): boolean {
  if (typeof wanted !== 'string') return wanted === target;
  return wanted === filter || wanted === pattern || normalise(wanted) === pattern;
}

/** A filter written with named parameters (`sensors/+id/x`) as MQTT writes it (`sensors/+/x`). */
function normalise(filter: string): string {
  try {
    return parsePattern(filter).filter;
  } catch {
    return filter;
  }
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
