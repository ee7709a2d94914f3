import type { InboundMessage } from '../payload/message.js';
import type { Route } from './router.js';

/**
 * Watches the dispatcher (metrics, tracing). The dispatcher calls it only when one is set,
 * so an app without observers pays one `undefined` check per message and per handler.
 */
export interface DispatchObserver {
  /** A PUBLISH arrived, before routing. */
  received(message: InboundMessage): void;
  /** A handler is about to run for `message`. */
  started(route: Route, message: InboundMessage): void;
  /**
   * That handler returned (or its Promise settled) `ms` after it started; `error` if it failed,
   * else `value`, what it returned.
   */
  settled(route: Route, message: InboundMessage, ms: number, error: Error | undefined, value?: unknown): void;
  /** Every handler this copy of the message reached (and the `@OnMessage` fallback) settled. */
  handled?(message: InboundMessage, ok: boolean): void;
}

/** Where the dispatcher keeps its observer. */
export interface Observable {
  observer: DispatchObserver | undefined;
}

/** Several observers behind one. */
class FanOut implements DispatchObserver {
  constructor(readonly list: DispatchObserver[]) {}
  received(message: InboundMessage): void {
    for (const o of this.list) o.received(message);
  }
  started(route: Route, message: InboundMessage): void {
    for (const o of this.list) o.started(route, message);
  }
  settled(
    route: Route,
    message: InboundMessage,
    ms: number,
    error: Error | undefined,
    value?: unknown,
  ): void {
    for (const o of this.list) o.settled(route, message, ms, error, value);
  }
  handled(message: InboundMessage, ok: boolean): void {
    for (const o of this.list) o.handled?.(message, ok);
  }
}

/** Adds `observer` to the dispatcher; returns a function that removes it again. */
export function addObserver(target: Observable, observer: DispatchObserver): () => void {
  const current = target.observer;
  if (current === undefined) target.observer = observer;
  else if (current instanceof FanOut) current.list.push(observer);
  else target.observer = new FanOut([current, observer]);
  return () => {
    const now = target.observer;
    if (now === observer) target.observer = undefined;
    else if (now instanceof FanOut) {
      const i = now.list.indexOf(observer);
      if (i >= 0) now.list.splice(i, 1);
      if (now.list.length === 1) target.observer = now.list[0];
    }
  };
}
