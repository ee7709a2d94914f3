import { MqttMiddlewareError } from '../errors.js';
import type { MqttContext } from './context.js';

/** Runs the rest of the chain (later middleware, then the handler); resolves once they settled. */
export type Next = () => Promise<void>;

/**
 * Koa-style middleware around a handler: `async (ctx, next) => { …; await next(); … }`.
 * Not calling `next` skips the handler; throwing fails the message as a handler error would.
 */
export type MqttMiddleware = (ctx: MqttContext, next: Next) => unknown;

/** A middleware class: resolved from the app's container when there is one, else created with `new`. */
export interface MqttMiddlewareClass {
  use(ctx: MqttContext, next: Next): unknown;
}

/** What `use()` and `@UseMiddleware()` take: a function, or a class with a `use(ctx, next)` method. */
export type MiddlewareLike = MqttMiddleware | (new (...args: never[]) => MqttMiddlewareClass);

/**
 * The chain of one route, compiled once: runs every middleware, then `handler`; returns the
 * handler's result, or a Promise of it when any step was asynchronous (a failure always rejects).
 */
export type ComposedMiddleware = (ctx: MqttContext, handler: (ctx: MqttContext) => unknown) => unknown;

/**
 * koa-compose's semantics, with the handler as the innermost step: middleware run in order,
 * each `await next()` runs the rest; a middleware that does not call `next` ends the chain
 * (the handler does not run and the result is `undefined`); calling `next` twice rejects
 * with `MqttMiddlewareError`; errors propagate outwards through the middleware that await them.
 */
export function compose(middleware: readonly MqttMiddleware[]): ComposedMiddleware {
  for (const [i, fn] of middleware.entries()) {
    if (typeof fn !== 'function') {
      throw new MqttMiddlewareError(`middleware ${i} is not a function (got ${typeof fn})`);
    }
  }
  const list = [...middleware];
  const count = list.length;
  return (ctx, handler) => {
    let index = -1;
    let value: unknown;
    const dispatch = (i: number): Promise<unknown> => {
      if (i <= index) {
        return Promise.reject(
          new MqttMiddlewareError(`next() called more than once in middleware ${i - 1} of ${ctx.handler}`),
        );
      }
      index = i;
      try {
        if (i === count) {
          const result = handler(ctx);
          if (result instanceof Promise) {
            return result.then((resolved) => {
              value = resolved;
            });
          }
          value = result;
          return RESOLVED;
        }
        const result = list[i]!(ctx, () => dispatch(i + 1) as Promise<void>);
        return result instanceof Promise ? result : RESOLVED;
      } catch (error) {
        return Promise.reject(error);
      }
    };
    const done = dispatch(0);
    // Every step returned at once (sync handler, middleware returning next()'s result): no Promise to wait for.
    if (done === RESOLVED) return value;
    return done.then(() => value);
  };
}

const RESOLVED: Promise<void> = Promise.resolve();

/** Whether `value` is a middleware class (its prototype has `use`) rather than a middleware function. */
export function isMiddlewareClass(
  value: MiddlewareLike,
): value is new (
  ...args: never[]
) => MqttMiddlewareClass {
  return typeof (value as { prototype?: { use?: unknown } }).prototype?.use === 'function';
}
