import { addHook } from '../metadata/registry.js';
import type { HookEvent } from '../metadata/types.js';
import { methodName } from './method-key.js';

function hook(event: HookEvent, decorator: string): MethodDecorator {
  return (target, key) => {
    addHook(target.constructor, { event, method: methodName(target, key, decorator) });
  };
}

/** Runs after every (re)connect, once subscriptions are acknowledged: `(info: ConnectInfo)`. */
export const OnConnect = (): MethodDecorator => hook('connect', '@OnConnect');
/** Runs when an established connection is lost or closed: `(info: DisconnectInfo)`. */
export const OnDisconnect = (): MethodDecorator => hook('disconnect', '@OnDisconnect');
/** Options of {@link OnMessage}. */
export interface OnMessageOptions {
  /**
   * `true`: run for every message the app receives, once, whether or not a handler matched it
   * (fastapi-mqtt's `on_message`), alongside the handlers. Default `false`: only messages no
   * `@Topic`, runtime or `onTopic` handler matched (Flask-MQTT's `on_message` fallback).
   */
  readonly all?: boolean;
}

/**
 * Runs for messages that no `@Topic` or runtime handler matched, or with `{ all: true }` for
 * every message: `(ctx: MqttContext)`.
 */
export const OnMessage = (options: OnMessageOptions = {}): MethodDecorator =>
  hook(options.all === true ? 'everyMessage' : 'message', '@OnMessage');
/** Runs after each SUBACK: `(event: SubscribeEvent)`. */
export const OnSubscribe = (): MethodDecorator => hook('subscribe', '@OnSubscribe');
/** Runs after each UNSUBACK: `(event: UnsubscribeEvent)`. */
export const OnUnsubscribe = (): MethodDecorator => hook('unsubscribe', '@OnUnsubscribe');
/** Runs after each publish is sent (QoS 0) or acknowledged (QoS 1/2): `(event: PublishEvent)`. */
export const OnPublish = (): MethodDecorator => hook('publish', '@OnPublish');
/** Runs for every handler or hook error: `(error: Error, ctx?: MqttContext)`. */
export const OnError = (): MethodDecorator => hook('error', '@OnError');
