import type { MqttLogger } from '../logger.js';
import type { QoS } from '../metadata/types.js';
import type { Connection } from './connection.js';
import { coveringPlan } from './covering-plan.js';
import type { Subscription } from './subscriptions.js';

/** Sends one SUBSCRIBE of `wire` filters for the wanted `opening` ones (their retained replays). */
export type SendSubscribe = (
  wire: readonly Subscription[],
  subscriptionId: number | undefined,
  opening: readonly Subscription[],
) => Promise<number[]>;

/**
 * Keeps a broker that sends one copy per matching subscription, without identifiers, subscribed
 * to a covering set of non-overlapping filters (see `coveringPlan`) instead of the wanted ones:
 * sends the wire filters the plan needs, acknowledges each wanted subscription with its wire
 * filter's grant, and unsubscribes wire filters no longer needed (after subscribing their
 * replacement, so nothing is missed meanwhile).
 */
export class CoveringSender {
  /** Wire filters the broker holds: granted QoS, and the QoS asked. */
  private readonly sent = new Map<string, { granted: number; qos: QoS }>();

  constructor(
    private readonly connection: Connection,
    private readonly logger: MqttLogger,
    private readonly send: SendSubscribe,
  ) {}

  /** The broker kept no session: every wire filter must be sent again. */
  forget(): void {
    this.sent.clear();
  }

  /** The wire filters currently subscribed at the broker. */
  get wireFilters(): string[] {
    return [...this.sent.keys()];
  }

  /**
   * Brings the broker's wire filters in line with `subscriptions` (every non-shared subscription
   * of the table); `acknowledge` is called for each pending one with its wire filter's grant.
   */
  async sync(
    subscriptions: readonly Subscription[],
    acknowledge: (subscription: Subscription, code: number) => Promise<void>,
  ): Promise<void> {
    const plan = coveringPlan(
      subscriptions.map((s) => s.filter),
      this.connection.capabilities.wildcardsMatchDollarTopics,
    );
    const wanted = new Map<string, { qos: QoS; members: Subscription[] }>();
    for (const subscription of subscriptions) {
      const wire = plan.get(subscription.filter) ?? subscription.filter;
      const entry = wanted.get(wire) ?? { qos: 0 as QoS, members: [] };
      if (subscription.options.qos > entry.qos) entry.qos = subscription.options.qos;
      entry.members.push(subscription);
      wanted.set(wire, entry);
    }
    const toSend: Array<[string, { qos: QoS; members: Subscription[] }]> = [];
    // Acknowledged last: once a subscribe resolves, the broker holds no filter it replaced.
    const acks: Array<[Subscription, number]> = [];
    for (const [wire, entry] of wanted) {
      const held = this.sent.get(wire);
      if (held === undefined || held.qos < entry.qos) toSend.push([wire, entry]);
      else
        for (const member of entry.members) if (member.state === 'pending') acks.push([member, held.granted]);
    }
    if (toSend.length > 0) {
      let granted: number[];
      try {
        granted = await this.send(
          toSend.map(([wire, entry]) => wireSubscription(wire, entry.qos, entry.members[0]!)),
          undefined,
          toSend.flatMap(([, entry]) => entry.members.filter((member) => member.state === 'pending')),
        );
      } catch (error) {
        this.logger.warn({ err: error, filters: toSend.map(([wire]) => wire) }, 'SUBSCRIBE not acknowledged');
        return;
      }
      toSend.forEach(([wire, entry], i) => {
        const code = granted[i] ?? 0x80;
        if (code < 0x80) this.sent.set(wire, { granted: code, qos: entry.qos });
        for (const member of entry.members) {
          if (member.state === 'pending' || code >= 0x80) acks.push([member, code]);
          else member.granted = code as QoS;
        }
      });
    }
    const obsolete = [...this.sent.keys()].filter((wire) => !wanted.has(wire));
    if (obsolete.length > 0) {
      for (const wire of obsolete) this.sent.delete(wire);
      await this.connection
        .unsubscribe(obsolete)
        .catch((error: unknown) =>
          this.logger.warn({ err: error, filters: obsolete }, 'UNSUBSCRIBE not acknowledged'),
        );
    }
    await Promise.all(acks.map(([member, code]) => acknowledge(member, code)));
  }
}

/** The SUBSCRIBE entry of one wire filter: its members' options, their highest QoS. */
function wireSubscription(filter: string, qos: QoS, first: Subscription): Subscription {
  return {
    filter,
    options: { ...first.options, qos },
    id: 0,
    formerId: undefined,
    quietResend: false,
    state: 'pending',
    granted: undefined,
    controllerRefs: 0,
    runtimeRefs: 0,
    replay: first.replay,
  };
}
