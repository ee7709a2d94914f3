import type { EventEmitter } from 'node:events';
import type { IPublishPacket, MqttClient } from 'mqtt';

/** Options of {@link waitFor}. */
export interface WaitForOptions {
  /** Give up after this many milliseconds. */
  timeout: number;
  /** Pause between polls, in milliseconds (default 10). */
  interval?: number;
  /** Says what was awaited, in the timeout error. */
  message: string;
}

/**
 * Polls `predicate` until it returns true, or rejects after `timeout` ms. Prefer an event
 * ({@link onceEvent}) when there is one; use this for state with no event.
 */
export async function waitFor(
  predicate: () => boolean | Promise<boolean>,
  { timeout, interval = 10, message }: WaitForOptions,
): Promise<void> {
  const deadline = Date.now() + timeout;
  for (;;) {
    if (await predicate()) return;
    if (Date.now() >= deadline) throw new Error(`waitFor: ${message} (not true after ${timeout} ms)`);
    await new Promise((resolve) =>
      setTimeout(resolve, Math.min(interval, Math.max(deadline - Date.now(), 1))),
    );
  }
}

/**
 * Anything with Node's `on`/`off`: an `EventEmitter`, or mqtt.js's typed emitter (whose generic
 * signatures do not fit `EventEmitter`'s).
 */
export interface EmitterLike {
  on(event: never, listener: never): unknown;
  off(event: never, listener: never): unknown;
}

/**
 * Resolves with the first argument of the next `event`; rejects on an `error` event (unless `event`
 * is `'error'`, or `rejectOnError` is false: a reconnecting client reports refused attempts as
 * errors) or after `timeoutMs`.
 */
export function onceEvent<T = unknown>(
  source: EmitterLike,
  event: string,
  timeoutMs: number,
  { rejectOnError = true }: { rejectOnError?: boolean } = {},
): Promise<T> {
  const emitter = source as EventEmitter;
  return new Promise<T>((resolve, reject) => {
    const onEvent = (value: T) => {
      cleanup();
      resolve(value);
    };
    const onError = (error: unknown) => {
      cleanup();
      reject(error);
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`onceEvent: no '${event}' event within ${timeoutMs} ms`));
    }, timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      emitter.off(event, onEvent);
      if (event !== 'error' && rejectOnError) emitter.off('error', onError);
    };
    emitter.on(event, onEvent);
    if (event !== 'error' && rejectOnError) emitter.on('error', onError);
  });
}

/** `promise`, or a rejection naming `message` if it has not settled within `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${message} (timed out after ${ms} ms)`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A promise with its `resolve` and `reject` exposed. */
export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(reason: unknown): void;
}

/** Creates a {@link Deferred}. */
export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** One message as a raw mqtt.js client received it. */
export interface CollectedMessage {
  readonly topic: string;
  readonly payload: Buffer;
  readonly packet: IPublishPacket;
}

/**
 * Collects the next `count` messages `client` receives (listening starts at the call, so call it
 * before publishing). Rejects after `timeoutMs`, saying how many arrived.
 */
export function collectMessages(
  client: MqttClient,
  count: number,
  timeoutMs: number,
): Promise<CollectedMessage[]> {
  const messages: CollectedMessage[] = [];
  if (count <= 0) return Promise.resolve(messages);
  return new Promise((resolve, reject) => {
    const onMessage = (topic: string, payload: Buffer, packet: IPublishPacket) => {
      messages.push({ topic, payload, packet });
      if (messages.length >= count) {
        cleanup();
        resolve(messages);
      }
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`collectMessages: ${messages.length} of ${count} messages within ${timeoutMs} ms`));
    }, timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      client.off('message', onMessage);
    };
    client.on('message', onMessage);
  });
}
