import type { ConnectInfo, ConnectionEvents, DisconnectInfo } from '../client/connection.js';
import { TypedEmitter } from '../client/typed-emitter.js';
import type { QoS } from '../metadata/types.js';
import type { MqttContext } from './context.js';
import type { Hooks, PublishEvent, SubscribeEvent, UnsubscribeEvent } from './hooks.js';

/** Passed to the `publishError` event when a publish was refused or could not be sent. */
export interface PublishErrorEvent {
  readonly topic: string;
  readonly qos: QoS;
  readonly error: Error;
}

/**
 * The events of an MQTT app (`app.events`, `service.events`): the Flask-MQTT `on_connect`,
 * `on_disconnect`, `on_subscribe`, `on_unsubscribe`, `on_publish`, `on_log`-style observers,
 * as plain listeners. Unlike hooks, listeners are not awaited and cannot fail a message.
 */
export interface MqttEventMap {
  /** Connected: the first time (`info.reconnect === false`) and after every reconnect. */
  connect: [info: ConnectInfo];
  /** A reconnect attempt starts. */
  reconnect: [];
  /** The connection is lost and a reconnect will be tried. */
  offline: [];
  /** The connection closed, by us (`info.requested`) or not. */
  disconnect: [info: DisconnectInfo];
  /** A connection error, or a handler / hook error (then with its context). */
  error: [error: Error, ctx: MqttContext | undefined];
  /** A SUBACK arrived for one filter (granted or refused). */
  subscribe: [event: SubscribeEvent];
  /** An UNSUBACK arrived. */
  unsubscribe: [event: UnsubscribeEvent];
  /** A publish was written (QoS 0) or acknowledged (QoS 1/2). */
  publish: [event: PublishEvent];
  /** A publish failed (refused by the broker, or the connection closed for good). */
  publishError: [event: PublishErrorEvent];
}

export type MqttEventName = keyof MqttEventMap;

/** The app's event emitter. Only the library emits; everyone may listen. */
export class MqttEvents extends TypedEmitter<MqttEventMap> {
  /** @internal */
  override emit<K extends MqttEventName>(event: K, ...args: MqttEventMap[K]): void {
    super.emit(event, ...args);
  }

  /** @internal Emits `publishError`, then rethrows `error`. */
  failedPublish(topic: string, qos: QoS, error: Error): never {
    this.emit('publishError', { topic, qos, error });
    throw error;
  }

  /** Whether anyone listens to `event` (so that building its argument can be skipped). */
  has(event: MqttEventName): boolean {
    return this.listenerCount(event) > 0;
  }
}

/** The parts of the app whose happenings become events. */
interface EventSources {
  readonly connection: TypedEmitter<ConnectionEvents>;
  readonly hooks: Hooks;
}

/**
 * Feeds `events` from the hooks (connect after subscriptions are restored, disconnect once per
 * lost connection,
 * subscribe, unsubscribe, publish, handler errors) and the connection (reconnect, offline,
 * connection errors). A listener that throws is reported like a failing hook.
 */
export function forwardEvents({ connection, hooks }: EventSources, events: MqttEvents): void {
  // The disconnect hook also runs for each failed reconnect attempt; the event once per lost connection.
  let up = false;
  hooks.add('connect', (info) => {
    up = true;
    events.emit('connect', info);
  });
  hooks.add('disconnect', (info) => {
    if (!up) return;
    up = false;
    events.emit('disconnect', info);
  });
  hooks.add('subscribe', (event) => events.emit('subscribe', event));
  hooks.add('unsubscribe', (event) => events.emit('unsubscribe', event));
  hooks.add('publish', (event) => events.emit('publish', event));
  hooks.add('error', (error, ctx) => events.emit('error', error, ctx));
  connection.on('reconnect', () => events.emit('reconnect'));
  connection.on('offline', () => events.emit('offline'));
  connection.on('error', (error) => events.emit('error', error, undefined));
}
