import type { ConnectInfo, DisconnectInfo } from '../client/connection.js';
import type { SubscribeEvent, UnsubscribeEvent } from '../client/subscription-events.js';
import type { QoS } from '../metadata/types.js';
import type { MqttContext } from './context.js';

export type { SubscribeEvent, UnsubscribeEvent };

/** Passed to `@OnPublish` / `onPublish` once a publish was sent (QoS 0) or acknowledged (QoS 1/2). */
export interface PublishEvent {
  readonly topic: string;
  readonly qos: QoS;
  readonly retain: boolean;
  /** Packet identifier, for QoS 1/2 (Flask-MQTT's `mid`). */
  readonly messageId: number | undefined;
}

/** The argument lists of each lifecycle hook. */
export interface HookArgs {
  connect: [info: ConnectInfo];
  disconnect: [info: DisconnectInfo];
  message: [ctx: MqttContext];
  /** `@OnMessage({ all: true })`: every message, once, whether handlers matched it or not. */
  everyMessage: [ctx: MqttContext];
  subscribe: [event: SubscribeEvent];
  unsubscribe: [event: UnsubscribeEvent];
  publish: [event: PublishEvent];
  error: [error: Error, ctx: MqttContext | undefined];
}

export type HookName = keyof HookArgs;
export type HookFunction<K extends HookName> = (...args: HookArgs[K]) => unknown;

type Registry = { [K in HookName]: Array<HookFunction<K>> };

/**
 * Lifecycle hooks from controllers (`@OnConnect` …) and app options (`onConnect` …).
 * Every hook runs, async ones are awaited together; a hook that throws is reported to the
 * error hooks (an error hook that throws is logged), never to the caller.
 */
export class Hooks {
  private readonly registry: Registry = {
    connect: [],
    disconnect: [],
    message: [],
    everyMessage: [],
    subscribe: [],
    unsubscribe: [],
    publish: [],
    error: [],
  };

  constructor(private readonly lastResort: (error: unknown, during: string) => void) {}

  add<K extends HookName>(event: K, fn: HookFunction<K>): void {
    (this.registry[event] as Array<HookFunction<K>>).push(fn);
  }

  has(event: HookName): boolean {
    return this.registry[event].length > 0;
  }

  /** Runs every hook of `event`; resolves when all settled. Never rejects. */
  run<K extends Exclude<HookName, 'error'>>(event: K, ...args: HookArgs[K]): Promise<void> {
    const hooks = this.registry[event] as Array<HookFunction<K>>;
    if (hooks.length === 0) return Promise.resolve();
    const ctx = event === 'message' || event === 'everyMessage' ? (args[0] as MqttContext) : undefined;
    return settleAll(hooks, args, (error) => this.error(asError(error), ctx));
  }

  /** Reports an error to every error hook; with none, to the last resort (the logger). */
  error(error: Error, ctx?: MqttContext): Promise<void> {
    const hooks = this.registry.error;
    if (hooks.length === 0) {
      this.lastResort(error, ctx ? ctx.handler : 'MQTT');
      return Promise.resolve();
    }
    return settleAll(hooks, [error, ctx], (failure) => this.lastResort(failure, 'an error hook'));
  }
}

function settleAll<A extends unknown[]>(
  hooks: ReadonlyArray<(...args: A) => unknown>,
  args: A,
  onFailure: (error: unknown) => unknown,
): Promise<void> {
  const pending: Promise<unknown>[] = [];
  for (const hook of hooks) {
    try {
      const result = hook(...args);
      if (result instanceof Promise) pending.push(result.catch(onFailure));
    } catch (error) {
      const reported = onFailure(error);
      if (reported instanceof Promise) pending.push(reported);
    }
  }
  return pending.length === 0 ? Promise.resolve() : Promise.all(pending).then(() => undefined);
}

export function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}
