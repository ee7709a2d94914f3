import type { Subscriber } from '../client/subscriber.js';
import type { Route, Router } from '../dispatch/router.js';
import { MqttUsageError } from '../errors.js';
import type {
  ControllerDefinition,
  ResolvedSubscriptionOptions,
  RouteDefinition,
} from '../metadata/definitions.js';
import type { ControllerPausing, PauseTarget } from '../service/service-host.js';
import { parsePattern } from '../topic/index.js';
import type { DeadLetters } from './dead-letter.js';

/** One `@Topic` route of a controller, as mounted at `start()`. */
export interface MountedRoute {
  readonly target: Function;
  /** The filter sent to the broker (`$share/…` included). */
  readonly filter: string;
  readonly options: ResolvedSubscriptionOptions;
  readonly deadLetter: RouteDefinition['deadLetter'];
  /** Rebuilt on resume: the subscription (and its MQTT 5 identifier) may be a new one. */
  route: Route;
  paused: boolean;
}

/**
 * Pauses and resumes controller `@Topic` subscriptions at runtime. Pausing removes the routes
 * from the router (their handlers stop running at once, messages already on their way included)
 * and drops their subscription at the broker (UNSUBSCRIBE, unless a runtime subscription holds
 * the same filter); a paused subscription is not sent again on reconnect. Resuming subscribes
 * again and resolves once the broker acknowledged it. Before `start()`, the wish is kept and the
 * routes are mounted paused.
 */
export class Pausing implements ControllerPausing {
  private readonly mounted: MountedRoute[] = [];
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
  add(route: MountedRoute): void {
    this.mounted.push(route);
  }

  /** Filters of paused routes (each once). */
  get paused(): string[] {
    return [...new Set(this.mounted.filter((m) => m.paused).map((m) => m.filter))];
  }

  async pause(target: PauseTarget): Promise<string[]> {
    const selected = this.select(target, 'pause');
    if (this.mounted.length === 0) {
      this.early.add(target);
      return this.filtersOfDefinitions(target);
    }
    const changed = selected.filter((m) => !m.paused);
    for (const m of changed) {
      m.paused = true;
      this.router.remove(m.route);
    }
    await Promise.all(changed.map((m) => this.subscriber.remove(m.filter, 'controller')));
    return unique(changed.map((m) => m.filter));
  }

  async resume(target: PauseTarget): Promise<string[]> {
    const selected = this.select(target, 'resume');
    if (this.mounted.length === 0) {
      this.early.delete(target);
      return this.filtersOfDefinitions(target);
    }
    const changed = selected.filter((m) => m.paused);
    const granted: Array<Promise<number>> = [];
    for (const m of changed) {
      m.paused = false;
      const added = this.subscriber.add(m.filter, m.options, 'controller');
      m.route = { ...m.route, subscription: added.subscription, replayGeneration: added.replayGeneration };
      this.deadLetters.set(m.route, m.deadLetter);
      this.router.add(m.route);
      granted.push(added.granted);
    }
    await Promise.all(granted);
    return unique(changed.map((m) => m.filter));
  }

  /** True when `filter` is a controller `@Topic`'s (mounted or not): `unsubscribe` points to `pause`. */
  isControllerFilter(filter: string): boolean {
    return this.allFilters().some(([, f, p]) => f === filter || p === filter || p === normalise(filter));
  }

  private select(target: PauseTarget, call: string): MountedRoute[] {
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
    return this.mounted.filter((m) => matches(target, m.target, m.filter, m.route.pattern.filter));
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
