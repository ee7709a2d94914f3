import { MqttDefinitionError } from '../errors.js';
import type { ResolvedSubscriptionOptions } from '../metadata/definitions.js';
import type { QoS } from '../metadata/types.js';

/** Who asked for a subscription: a controller `@Topic`, or `MqttService.subscribe` at runtime. */
export type SubscriptionSource = 'controller' | 'runtime';

/** One filter as the broker knows it. Identical filters are one subscription, counted. */
export interface Subscription {
  readonly filter: string;
  options: ResolvedSubscriptionOptions;
  /**
   * MQTT 5 subscription identifier; 0 means none is sent. Only subscriptions whose filters
   * overlap another's carry one, and overlapping ones never share one (see `Subscriber`).
   */
  id: number;
  /** The identifier a re-coloured subscription had until the broker acknowledges the new one. */
  formerId: number | undefined;
  /** Re-sent only to change its identifier: sent with retain handling 1 so retained messages are not replayed. */
  quietResend: boolean;
  /** `pending`: not acknowledged on the current connection yet. */
  state: 'pending' | 'active';
  /** The QoS the broker granted at the last SUBACK. */
  granted: QoS | undefined;
  controllerRefs: number;
  runtimeRefs: number;
  /** The retained messages the broker replays for its last SUBSCRIBE, and for whom (see `Subscriber`). */
  readonly replay: ReplayWindow;
}

/**
 * A broker replays the retained messages matching a filter when it gets a SUBSCRIBE for it (with
 * RETAIN set: MQTT 3.1.1 §3.3.1.3, MQTT 5 §3.3.1.3), also when the filter was already held, and
 * once per filter of the SUBSCRIBE. Without subscription identifiers the copies cannot be told
 * apart, so the router gives a retained copy only to the handlers the replay is for: those added
 * since the filter was last sent (`generation`), or all of them after the session was lost
 * (`everyone`), each topic once (`seen`), until a later SUBSCRIBE of an overlapping filter is
 * acknowledged (brokers send the replays of a SUBSCRIBE right after its SUBACK).
 */
export interface ReplayWindow {
  /** SUBSCRIBEs sent for new handlers of this subscription so far; a handler joins one of them. */
  generation: number;
  /** The last such SUBSCRIBE followed a lost session: every handler gets its replays. */
  everyone: boolean;
  /** The next SUBSCRIBE follows a lost session. */
  reset: boolean;
  /** Its replays may still arrive (no later SUBSCRIBE acknowledged yet). */
  open: boolean;
  /** Sent, SUBACK not received yet. */
  inFlight: boolean;
  /** Which SUBSCRIBE (the subscriber's count) opened the window. */
  seq: number;
  /** Topics replayed in this window (a topic comes once per matching filter of the SUBSCRIBE). */
  seen: Set<string> | undefined;
}

/** No replay is for a handler that joined a subscription already acknowledged and not sent again. */
export const NO_REPLAY = -1;

const EVERYONE = 1;
const RESET = 2;
const OPEN = 4;
const IN_FLIGHT = 8;

/**
 * A `ReplayWindow` with its four flags in one number: every subscription has one, for the app's
 * life (48 bytes instead of 80 at 10,000 subscriptions).
 */
class PackedReplayWindow implements ReplayWindow {
  generation = 0;
  seq = 0;
  seen: Set<string> | undefined = undefined;
  private flags = 0;

  get everyone(): boolean {
    return (this.flags & EVERYONE) !== 0;
  }
  set everyone(on: boolean) {
    this.set(EVERYONE, on);
  }
  get reset(): boolean {
    return (this.flags & RESET) !== 0;
  }
  set reset(on: boolean) {
    this.set(RESET, on);
  }
  get open(): boolean {
    return (this.flags & OPEN) !== 0;
  }
  set open(on: boolean) {
    this.set(OPEN, on);
  }
  get inFlight(): boolean {
    return (this.flags & IN_FLIGHT) !== 0;
  }
  set inFlight(on: boolean) {
    this.set(IN_FLIGHT, on);
  }

  private set(flag: number, on: boolean): void {
    this.flags = on ? this.flags | flag : this.flags & ~flag;
  }
}

function newReplayWindow(): ReplayWindow {
  return new PackedReplayWindow();
}

/** What `MqttService.topics` lists (Flask-MQTT's `topics`). */
export interface SubscriptionInfo {
  readonly filter: string;
  readonly qos: QoS;
  readonly granted: QoS | undefined;
  readonly state: 'pending' | 'active';
  readonly sources: readonly SubscriptionSource[];
}

/**
 * The subscriptions this app wants, whatever the connection is doing. The connection
 * sends the pending ones on connect, and all of them when the broker kept no session.
 */
export class SubscriptionTable {
  private readonly byFilter = new Map<string, Subscription>();

  /** Adds a reference to `filter`, creating the subscription with `id` if new. Returns it and whether it must be (re)sent. */
  acquire(
    filter: string,
    options: ResolvedSubscriptionOptions,
    source: SubscriptionSource,
    newId: () => number,
  ): { subscription: Subscription; created: boolean; changed: boolean } {
    const existing = this.byFilter.get(filter);
    if (!existing) {
      const subscription: Subscription = {
        filter,
        options,
        id: newId(),
        formerId: undefined,
        quietResend: false,
        state: 'pending',
        granted: undefined,
        controllerRefs: source === 'controller' ? 1 : 0,
        runtimeRefs: source === 'runtime' ? 1 : 0,
        replay: newReplayWindow(),
      };
      this.byFilter.set(filter, subscription);
      return { subscription, created: true, changed: true };
    }
    if (source === 'controller') existing.controllerRefs++;
    else existing.runtimeRefs++;
    const merged = merge(filter, existing.options, options);
    const changed = merged !== existing.options;
    if (changed) {
      existing.options = merged;
      existing.state = 'pending';
    }
    return { subscription: existing, created: false, changed };
  }

  /** Drops one reference; returns the subscription when it has no references left (removed). */
  release(filter: string, source: SubscriptionSource): Subscription | undefined {
    const subscription = this.byFilter.get(filter);
    if (!subscription) return undefined;
    if (source === 'controller') subscription.controllerRefs = Math.max(0, subscription.controllerRefs - 1);
    else subscription.runtimeRefs = Math.max(0, subscription.runtimeRefs - 1);
    if (subscription.controllerRefs + subscription.runtimeRefs > 0) return undefined;
    this.byFilter.delete(filter);
    return subscription;
  }

  /** Forgets `filter` whoever holds it (the broker refused it). */
  delete(filter: string): boolean {
    return this.byFilter.delete(filter);
  }

  get(filter: string): Subscription | undefined {
    return this.byFilter.get(filter);
  }

  /** Every subscription, without copying (do not add or delete while iterating). */
  values(): IterableIterator<Subscription> {
    return this.byFilter.values();
  }

  all(): Subscription[] {
    return [...this.byFilter.values()];
  }

  pending(): Subscription[] {
    return this.all().filter((s) => s.state === 'pending');
  }

  /** The broker forgot everything (no session): every subscription must be sent again. */
  markAllPending(): void {
    for (const subscription of this.byFilter.values()) {
      subscription.state = 'pending';
      subscription.replay.reset = true;
    }
  }

  get size(): number {
    return this.byFilter.size;
  }

  info(): SubscriptionInfo[] {
    return this.all().map((s) => ({
      filter: s.filter,
      qos: s.options.qos,
      granted: s.granted,
      state: s.state,
      sources: [
        ...(s.controllerRefs > 0 ? (['controller'] as const) : []),
        ...(s.runtimeRefs > 0 ? (['runtime'] as const) : []),
      ],
    }));
  }
}

/** Highest QoS wins; the MQTT 5 options must agree, since one subscription carries one set. */
function merge(
  filter: string,
  current: ResolvedSubscriptionOptions,
  wanted: ResolvedSubscriptionOptions,
): ResolvedSubscriptionOptions {
  if (
    current.noLocal !== wanted.noLocal ||
    current.retainAsPublished !== wanted.retainAsPublished ||
    current.retainHandling !== wanted.retainHandling
  ) {
    throw new MqttDefinitionError(
      `Conflicting subscription options for ${JSON.stringify(filter)}: noLocal, retainAsPublished and retainHandling must be the same for every handler of one filter`,
    );
  }
  return wanted.qos > current.qos ? { ...current, qos: wanted.qos } : current;
}
