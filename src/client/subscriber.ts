import { type MqttError, MqttProtocolError, MqttSubscriptionError } from '../errors.js';
import type { MqttLogger } from '../logger.js';
import type { ResolvedSubscriptionOptions } from '../metadata/definitions.js';
import { filtersOverlap } from '../topic/overlap.js';
import { OverlapIndex } from '../topic/overlap-index.js';
import { isSharedFilter } from '../topic/shared.js';
import type { Connection } from './connection.js';
import { CoveringSender } from './covering-sender.js';
import type { SubscriptionHooks } from './subscription-events.js';
import { subscriptionLimitsError } from './subscription-limits.js';
import {
  NO_REPLAY,
  type Subscription,
  type SubscriptionSource,
  type SubscriptionTable,
} from './subscriptions.js';

interface Waiter {
  resolve(granted: number): void;
  reject(error: Error): void;
}

/**
 * Keeps the broker's subscriptions equal to the table: sends what is pending whenever
 * connected (all of it after a connect without session), in one SUBSCRIBE per
 * subscription identifier, and settles the callers waiting for each SUBACK.
 * Subscriptions whose filters overlap get different identifiers (greedy colouring), so
 * that the router can tell one copy per subscription from one copy per message. A
 * subscription that overlaps no other gets none (0): most apps then pay nothing for
 * identifiers (a PUBLISH without properties parses faster). When a new subscription
 * overlaps one without an identifier, that one is given one and quietly re-sent.
 */
export class Subscriber {
  private readonly overlaps = new OverlapIndex<Subscription>();
  private readonly waiters = new Map<Subscription, Waiter[]>();
  /** Filters dropped while offline that the broker may still hold in a kept session. */
  private readonly unsent = new Set<string>();
  private flushing: Promise<void> | undefined;
  private again = false;
  /** Filters whose grant below the asked QoS was warned about (once each). */
  private readonly downgrades = new Set<string>();
  /** For brokers sending a copy per subscription without identifiers: the covering wire filters. */
  readonly covering: CoveringSender;
  /** SUBSCRIBE packets sent so far (numbers the retained-replay windows). */
  private sentSubscribes = 0;

  constructor(
    readonly table: SubscriptionTable,
    private readonly connection: Connection,
    private readonly hooks: SubscriptionHooks,
    private readonly logger: MqttLogger,
    /** Called when the broker refuses a subscription: it was removed from the table. */
    private readonly onRefused: (subscription: Subscription, error: MqttError) => void,
  ) {
    this.covering = new CoveringSender(connection, logger, (wire, id, opening) =>
      this.sendSubscribe(wire, id, opening),
    );
  }

  /**
   * Whether the broker's subscriptions are a covering set of non-overlapping filters rather than
   * the wanted ones: it sends one copy per matching subscription (`brokerLimits.copyPerSubscription`)
   * and cannot say which (no subscription identifiers).
   */
  get coveringMode(): boolean {
    const capabilities = this.connection.capabilities;
    return capabilities.copyPerSubscription && !capabilities.subscriptionIdentifiersAvailable;
  }

  /** Records a wanted subscription; returns it, and a Promise of the granted QoS once the broker acks. */
  add(
    filter: string,
    options: ResolvedSubscriptionOptions,
    source: SubscriptionSource,
  ): { subscription: Subscription; granted: Promise<number>; replayGeneration: number } {
    const { subscription, created, changed } = this.table.acquire(filter, options, source, () =>
      this.colour(filter),
    );
    if (created) {
      this.overlaps.add(filter, subscription);
      if (subscription.id > 0) this.recolourOverlapping(subscription);
    }
    if (!changed && subscription.state === 'active') {
      return {
        subscription,
        granted: Promise.resolve(subscription.granted ?? options.qos),
        replayGeneration: NO_REPLAY,
      };
    }
    // The SUBSCRIBE whose retained replays this caller gets: the one awaiting its SUBACK, or the next.
    const replay = subscription.replay;
    const replayGeneration = replay.inFlight && !changed ? replay.generation : replay.generation + 1;
    const granted = new Promise<number>((resolve, reject) => {
      const list = this.waiters.get(subscription) ?? [];
      list.push({ resolve, reject });
      this.waiters.set(subscription, list);
    });
    granted.catch(() => {}); // the caller may not await it; failures also reach onRefused
    if (this.connection.connected) void this.flush();
    return { subscription, granted, replayGeneration };
  }

  /** Drops one reference; unsubscribes at the broker when none is left. Resolves after UNSUBACK (or at once offline). */
  async remove(filter: string, source: SubscriptionSource): Promise<boolean> {
    const removed = this.table.release(filter, source);
    if (!removed) return false;
    this.overlaps.remove(filter, removed);
    this.settle(
      removed,
      new MqttSubscriptionError(filter, 0x80, { cause: new Error('unsubscribed before SUBACK') }),
    );
    if (removed.state !== 'active') return true;
    if (this.coveringMode && !isSharedFilter(filter)) {
      // Its wire filter may cover others: the next sync unsubscribes what no longer is needed.
      if (this.connection.connected) {
        await this.flush();
        await this.hooks.run('unsubscribe', { filters: [filter] });
      }
      return true;
    }
    if (this.connection.connected) await this.unsubscribeAtBroker([filter]);
    else this.unsent.add(filter);
    return true;
  }

  /**
   * After a CONNACK: resend everything if the broker kept no session, then send what is
   * pending; with a kept session, also unsubscribe what was dropped while offline.
   */
  async onConnect(sessionPresent: boolean, first: boolean): Promise<void> {
    // Replays of a SUBSCRIBE on the lost connection will not come.
    this.closeWindows(Number.POSITIVE_INFINITY);
    if (!sessionPresent || first) {
      this.table.markAllPending();
      this.covering.forget();
    }
    const dropped = [...this.unsent].filter((filter) => !this.table.get(filter));
    this.unsent.clear();
    if (sessionPresent && dropped.length > 0) {
      await this.unsubscribeAtBroker(dropped).catch((error: unknown) =>
        this.logger.warn({ err: error, filters: dropped }, 'UNSUBSCRIBE not acknowledged'),
      );
    }
    return this.flush();
  }

  private async unsubscribeAtBroker(filters: string[]): Promise<void> {
    await this.connection.unsubscribe(filters);
    await this.hooks.run('unsubscribe', { filters });
  }

  /** Sends pending subscriptions; concurrent calls coalesce. Rejects on the first refusal only if asked. */
  flush(): Promise<void> {
    if (this.flushing) {
      this.again = true;
      return this.flushing;
    }
    this.flushing = (async () => {
      try {
        do {
          this.again = false;
          await this.sendPending();
        } while (this.again && this.connection.connected);
      } finally {
        this.flushing = undefined;
      }
    })();
    return this.flushing;
  }

  private async sendPending(): Promise<void> {
    let pending = this.withoutUnsupported(this.refuseMqtt5Only(this.table.pending()));
    if (this.coveringMode) {
      const plain = this.table.all().filter((s) => !isSharedFilter(s.filter));
      await this.covering.sync(plain, (subscription, code) => this.acknowledged(subscription, code));
      pending = pending.filter((s) => isSharedFilter(s.filter));
    }
    if (pending.length === 0) return;
    const byId = new Map<number | undefined, Subscription[]>();
    const useIds = this.connection.subscriptionIdsAvailable;
    for (const subscription of pending) {
      const key = useIds && subscription.id > 0 ? subscription.id : undefined;
      const group = byId.get(key) ?? [];
      group.push(subscription);
      byId.set(key, group);
    }
    await Promise.all(
      [...byId].map(async ([id, group]) => {
        let granted: number[];
        try {
          granted = await this.sendSubscribe(group, id, group);
        } catch (error) {
          // Connection lost mid-way: they stay pending and go out on the next connect.
          this.logger.warn({ err: error, filters: group.map((s) => s.filter) }, 'SUBSCRIBE not acknowledged');
          return;
        }
        await Promise.all(
          group.map((subscription, i) => this.acknowledged(subscription, granted[i] ?? 0x80)),
        );
      }),
    );
  }

  /**
   * Sends one SUBSCRIBE and opens the retained-replay window of `opening` (the subscriptions it
   * is sent for); as its SUBACK is read, the windows of earlier SUBSCRIBEs it could replay into
   * close: the broker sent their replays before it handled this one, and sends its own after.
   */
  private async sendSubscribe(
    wire: readonly Subscription[],
    id: number | undefined,
    opening: readonly Subscription[],
  ): Promise<number[]> {
    const seq = ++this.sentSubscribes;
    for (const subscription of opening) {
      const replay = subscription.replay;
      replay.generation++;
      replay.everyone = replay.reset;
      replay.reset = false;
      replay.open = true;
      replay.inFlight = true;
      replay.seq = seq;
      replay.seen = undefined;
    }
    try {
      return await this.connection.subscribe(wire, id, () => this.closeWindows(seq, wire));
    } catch (error) {
      // Not acknowledged (connection lost): they stay pending, and their resend is this one again,
      // for the same handlers (and for all of them if this one followed a lost session).
      for (const subscription of opening) {
        const replay = subscription.replay;
        if (replay.seq !== seq) continue;
        replay.generation--;
        replay.reset ||= replay.everyone;
      }
      throw error;
    } finally {
      for (const subscription of opening)
        if (subscription.replay.seq === seq) subscription.replay.inFlight = false;
    }
  }

  /**
   * Closes the retained-replay windows opened by SUBSCRIBEs before the `seq`th, whose filters
   * overlap one of `acknowledged` (the `seq`th's, whose replays come next; all when undefined).
   * A window a later SUBSCRIBE cannot replay into stays open: a broker may stream the replays of
   * one SUBSCRIBE while it handles the next (aedes reads them from its store after the SUBACK).
   */
  private closeWindows(seq: number, acknowledged?: readonly Subscription[]): void {
    // The table, not a set of open windows: windows stay open for the app's life on most apps, and
    // a set would hold an entry per subscription.
    for (const subscription of this.table.values()) {
      const replay = subscription.replay;
      if (!replay.open || replay.seq >= seq) continue;
      if (acknowledged && !acknowledged.some((wire) => filtersOverlap(wire.filter, subscription.filter)))
        continue;
      replay.open = false;
      replay.seen = undefined;
    }
  }

  /** Refuses (never sends) what the broker said it does not support: shared or wildcard filters. */
  private withoutUnsupported(pending: Subscription[]): Subscription[] {
    const capabilities = this.connection.capabilities;
    if (capabilities.sharedSubscriptionAvailable && capabilities.wildcardSubscriptionAvailable)
      return pending;
    const allowed: Subscription[] = [];
    for (const subscription of pending) {
      const error = subscriptionLimitsError([subscription.filter], capabilities);
      if (!error) {
        allowed.push(subscription);
        continue;
      }
      this.table.delete(subscription.filter);
      this.overlaps.remove(subscription.filter, subscription);
      this.settle(subscription, error);
      this.onRefused(subscription, error);
    }
    return allowed;
  }

  /**
   * On MQTT 3.1.1, SUBSCRIBE carries only a QoS: noLocal, retainAsPublished and retainHandling
   * would be dropped without a word (a noLocal handler would get its own messages). Such
   * subscriptions are refused here, as the broker would refuse a filter, and never sent.
   */
  private refuseMqtt5Only(pending: Subscription[]): Subscription[] {
    if (this.connection.protocolVersion === 5) return pending;
    const sendable: Subscription[] = [];
    for (const subscription of pending) {
      const { noLocal, retainAsPublished, retainHandling } = subscription.options;
      const used = [
        noLocal ? 'noLocal' : '',
        retainAsPublished ? 'retainAsPublished' : '',
        retainHandling !== 0 ? `retainHandling ${retainHandling}` : '',
      ].filter((option) => option !== '');
      if (used.length === 0) sendable.push(subscription);
      else
        this.refuse(
          subscription,
          new MqttProtocolError(
            `Subscription to ${JSON.stringify(subscription.filter)}: ${used.join(', ')} need${used.length === 1 ? 's' : ''} MQTT 5, but this connection speaks MQTT 3.1.1 (the broker would ignore ${used.length === 1 ? 'it' : 'them'}); not subscribed`,
          ),
        );
    }
    return sendable;
  }

  private refuse(subscription: Subscription, error: MqttError): void {
    this.table.delete(subscription.filter);
    this.overlaps.remove(subscription.filter, subscription);
    this.settle(subscription, error);
    this.onRefused(subscription, error);
  }

  private async acknowledged(subscription: Subscription, code: number): Promise<void> {
    const ok = code < 0x80;
    if (ok && code < subscription.options.qos && !this.downgrades.has(subscription.filter)) {
      this.downgrades.add(subscription.filter);
      this.logger.warn(
        { filter: subscription.filter, qos: subscription.options.qos, granted: code },
        `broker granted QoS ${code} for ${JSON.stringify(subscription.filter)} (asked ${subscription.options.qos})`,
      );
    }
    if (ok && this.table.get(subscription.filter) === subscription) {
      subscription.state = 'active';
      subscription.formerId = undefined;
      subscription.quietResend = false;
      subscription.granted = code as 0 | 1 | 2;
      this.settle(subscription, code);
    } else if (!ok) {
      this.refuse(subscription, new MqttSubscriptionError(subscription.filter, code));
    }
    await this.hooks.run('subscribe', { filter: subscription.filter, granted: code, ok });
  }

  private settle(subscription: Subscription, outcome: number | Error): void {
    const waiters = this.waiters.get(subscription);
    if (!waiters) return;
    this.waiters.delete(subscription);
    for (const waiter of waiters) {
      if (typeof outcome === 'number') waiter.resolve(outcome);
      else waiter.reject(outcome);
    }
  }

  /** 0 when `filter` overlaps no subscription, else the smallest identifier its overlaps do not use. */
  private colour(filter: string, self?: Subscription): number {
    const taken = new Set<number>();
    for (const other of this.overlaps.overlapping(filter)) if (other !== self) taken.add(other.id);
    if (taken.size === 0) return 0;
    let id = 1;
    while (taken.has(id)) id++;
    return id;
  }

  /** Subscriptions without an identifier that `added` overlaps get one now (and are re-sent if active). */
  private recolourOverlapping(added: Subscription): void {
    for (const other of this.overlaps.overlapping(added.filter)) {
      if (other === added || other.id !== 0) continue;
      other.id = this.colour(other.filter, other);
      // Without identifiers on this connection the SUBSCRIBE would be the same one: not re-sent
      // (a re-sent filter makes the broker replay its retained messages to handlers that had them).
      if (other.state === 'active' && this.connection.subscriptionIdsAvailable) {
        // Until the broker acknowledges, copies still arrive without an identifier.
        other.formerId = 0;
        other.quietResend = true;
        other.state = 'pending';
      }
    }
  }
}
