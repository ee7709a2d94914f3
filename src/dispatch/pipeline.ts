import { MqttMiddlewareError } from '../errors.js';
import { MqttContext, type MqttRouteInfo } from './context.js';
import type { CompiledHandler } from './handler.js';
import { asError } from './hooks.js';
import {
  type ComposedMiddleware,
  compose,
  isMiddlewareClass,
  type MiddlewareLike,
  type MqttMiddleware,
  type MqttMiddlewareClass,
} from './middleware.js';

/** The part of a DI container middleware classes are resolved with (typedi's `Container` fits). */
export interface MiddlewareContainer {
  get<T>(someClass: new (...args: never[]) => T): T;
}

/** The context a failed chain ran with: the dispatcher hands it to `onError`. */
const failedContexts = new WeakMap<Error, MqttContext>();

/** The context `error` was thrown in, when it came out of a middleware chain. */
export function contextOfFailure(error: Error): MqttContext | undefined {
  return failedContexts.get(error);
}

/**
 * Turns middleware as users give it (functions, classes) into functions, once per app: a class
 * is resolved from the container when there is one, else created with `new`, and its instance
 * is shared by every route that lists it.
 */
export class MiddlewareResolver {
  private readonly instances = new Map<Function, MqttMiddleware>();

  constructor(private readonly container: MiddlewareContainer | undefined) {}

  resolve(list: readonly MiddlewareLike[], where: string): MqttMiddleware[] {
    return list.map((item, i) => {
      if (typeof item !== 'function') {
        throw new MqttMiddlewareError(
          `${where}: middleware ${i} must be a function (ctx, next) or a class with use(ctx, next), got ${item === null ? 'null' : typeof item}`,
        );
      }
      if (!isMiddlewareClass(item)) return item as MqttMiddleware;
      let fn = this.instances.get(item);
      if (!fn) {
        let instance: MqttMiddlewareClass;
        try {
          instance = this.container?.get(item) ?? new item();
        } catch (error) {
          throw new MqttMiddlewareError(
            `${where}: cannot create middleware ${item.name}: ${asError(error).message}`,
            {
              cause: error,
            },
          );
        }
        fn = (ctx, next) => instance.use(ctx, next);
        this.instances.set(item, fn);
      }
      return fn;
    });
  }
}

/**
 * A route's handler with its middleware chain, compiled at bootstrap. Each message gets one
 * context, seen by every middleware and by the handler (`@Ctx()`), so `ctx.state` carries
 * data from one to the other. A route without middleware is never wrapped: it runs the plain
 * compiled handler.
 */
export function withMiddleware(
  handler: CompiledHandler,
  middleware: readonly MqttMiddleware[],
  call: (ctx: MqttContext) => unknown,
  route: MqttRouteInfo,
): CompiledHandler {
  if (middleware.length === 0) return handler;
  const chain: ComposedMiddleware = compose(middleware);
  const name = handler.name;
  return {
    name,
    of: handler,
    invoke: (message, params) => {
      const ctx = new MqttContext(message, params, name, route);
      const result = chain(ctx, call);
      if (!(result instanceof Promise)) return result;
      return result.then(undefined, (error: unknown) => {
        const failure = asError(error);
        if (!failedContexts.has(failure)) failedContexts.set(failure, ctx);
        throw failure;
      });
    },
  };
}
