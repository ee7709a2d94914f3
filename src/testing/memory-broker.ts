import type { IClientPublishOptions, IPublishPacket } from 'mqtt';
import type { Subscription } from '../client/subscriptions.js';
import type { QoS } from '../metadata/types.js';
import { matchTopic, splitSharedFilter } from '../topic/index.js';

/** The broker side of one in-memory client. */
export interface MemoryClient {
  readonly protocolVersion: 4 | 5;
  /** Hands one copy to the client (queued: one at a time, as mqtt.js reads packets). */
  deliver(packet: IPublishPacket): void;
}

interface HeldSubscription {
  readonly filter: string;
  /** The filter without `$share/{group}/`. */
  readonly topicFilter: string;
  readonly group: string | undefined;
  readonly qos: QoS;
  readonly noLocal: boolean;
  readonly retainAsPublished: boolean;
  readonly id: number;
}

/** A message as the in-memory broker routes it. */
export interface MemoryMessage {
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: QoS;
  readonly retain: boolean;
  readonly properties?: IPublishPacket['properties'];
}

/**
 * A broker in memory, modelled on Mosquitto 2.0 so that tests in memory and against Mosquitto
 * agree (docs/testing.md):
 * - MQTT 5: one copy per matching subscription of a client, each with its own subscription
 *   identifier (the app's router then runs each handler once); MQTT 3.1.1: one copy per
 *   client, at the highest matching QoS;
 * - shared subscriptions: each group gets one copy, given to one member (round robin);
 *   retained messages are not sent to shared subscriptions;
 * - retained messages: the last per topic, an empty payload clears it; sent on SUBSCRIBE
 *   as retain handling says (0 always, 1 only for a new subscription, 2 never); a live copy's
 *   RETAIN flag is cleared unless the subscription has retain-as-published;
 * - `noLocal` subscriptions do not get what their own client published;
 * - QoS of a copy: the lower of the publish's and the subscription's.
 */
export class MemoryBroker {
  private readonly clients = new Map<MemoryClient, Map<string, HeldSubscription>>();
  private readonly retained = new Map<string, MemoryMessage>();
  private readonly turns = new Map<string, number>();
  private nextMessageId = 1;

  attach(client: MemoryClient): void {
    if (!this.clients.has(client)) this.clients.set(client, new Map());
  }

  /** A clean-session disconnect: its subscriptions go. */
  detach(client: MemoryClient): void {
    this.clients.delete(client);
  }

  /** Records the subscriptions; returns the granted QoS of each; retained copies follow the SUBACK. */
  subscribe(client: MemoryClient, subscriptions: readonly Subscription[], id: number | undefined): QoS[] {
    const held = this.held(client);
    const retained: IPublishPacket[] = [];
    const granted = subscriptions.map(({ filter, options, quietResend }) => {
      const shared = splitSharedFilter(filter);
      const isNew = !held.has(filter);
      const subscription: HeldSubscription = {
        filter,
        topicFilter: shared.filter,
        group: shared.group,
        qos: options.qos,
        noLocal: client.protocolVersion === 5 && options.noLocal,
        retainAsPublished: client.protocolVersion === 5 && options.retainAsPublished,
        id: client.protocolVersion === 5 ? (id ?? 0) : 0,
      };
      held.set(filter, subscription);
      const handling = client.protocolVersion === 5 ? (quietResend ? 1 : options.retainHandling) : 0;
      if (shared.group === undefined && (handling === 0 || (handling === 1 && isNew))) {
        for (const message of this.retained.values()) {
          if (matchTopic(shared.filter, message.topic))
            retained.push(this.copy(message, subscription, true, client.protocolVersion));
        }
      }
      return options.qos;
    });
    if (retained.length > 0) queueMicrotask(() => this.send(client, retained));
    return granted;
  }

  unsubscribe(client: MemoryClient, filters: readonly string[]): void {
    const held = this.held(client);
    for (const filter of filters) held.delete(filter);
  }

  /** Routes one message to every client whose subscriptions match; returns its packet identifier (QoS 1/2). */
  publish(from: MemoryClient | undefined, message: MemoryMessage): number | undefined {
    if (message.retain) {
      if (message.payload.length === 0) this.retained.delete(message.topic);
      else this.retained.set(message.topic, message);
    }
    const groups = new Map<string, Array<{ client: MemoryClient; subscription: HeldSubscription }>>();
    for (const [client, held] of this.clients) {
      const copies: IPublishPacket[] = [];
      let best: HeldSubscription | undefined;
      for (const subscription of held.values()) {
        if (!matchTopic(subscription.topicFilter, message.topic)) continue;
        if (subscription.group !== undefined) {
          const members = groups.get(subscription.group) ?? [];
          members.push({ client, subscription });
          groups.set(subscription.group, members);
          continue;
        }
        if (subscription.noLocal && client === from) continue;
        if (client.protocolVersion === 5) copies.push(this.copy(message, subscription, false, 5));
        else if (!best || subscription.qos > best.qos) best = subscription;
      }
      if (best) copies.push(this.copy(message, best, false, 4));
      if (copies.length > 0) this.send(client, copies);
    }
    for (const [group, members] of groups) {
      const turn = this.turns.get(group) ?? 0;
      this.turns.set(group, turn + 1);
      const { client, subscription } = members[turn % members.length]!;
      this.send(client, [this.copy(message, subscription, false, client.protocolVersion)]);
    }
    return message.qos === 0 ? undefined : this.messageId();
  }

  private messageId(): number {
    const id = this.nextMessageId;
    this.nextMessageId = id === 65_535 ? 1 : id + 1;
    return id;
  }

  /** What is retained now, by topic. */
  get retainedMessages(): ReadonlyMap<string, MemoryMessage> {
    return this.retained;
  }

  private held(client: MemoryClient): Map<string, HeldSubscription> {
    let held = this.clients.get(client);
    if (!held) {
      held = new Map();
      this.clients.set(client, held);
    }
    return held;
  }

  private send(client: MemoryClient, packets: readonly IPublishPacket[]): void {
    for (const packet of packets) client.deliver(packet);
  }

  private copy(
    message: MemoryMessage,
    subscription: HeldSubscription,
    fromStore: boolean,
    protocolVersion: 4 | 5,
  ): IPublishPacket {
    const qos = Math.min(message.qos, subscription.qos) as QoS;
    let properties = protocolVersion === 5 ? message.properties : undefined;
    if (protocolVersion === 5 && subscription.id > 0)
      properties = { ...properties, subscriptionIdentifier: subscription.id };
    return {
      cmd: 'publish',
      topic: message.topic,
      payload: message.payload,
      qos,
      retain: fromStore || (subscription.retainAsPublished && message.retain),
      dup: false,
      ...(qos > 0 ? { messageId: this.messageId() } : {}),
      ...(properties ? { properties } : {}),
    };
  }
}

/** What `publish` options carry, as a message for the in-memory broker. */
export function memoryMessage(
  topic: string,
  payload: Buffer | string,
  options: Pick<IClientPublishOptions, 'qos' | 'retain' | 'properties'>,
): MemoryMessage {
  return {
    topic,
    payload: typeof payload === 'string' ? Buffer.from(payload) : payload,
    qos: (options.qos ?? 0) as QoS,
    retain: options.retain ?? false,
    ...(options.properties ? { properties: options.properties as IPublishPacket['properties'] } : {}),
  };
}
