import { MqttDefinitionError } from '../errors.js';
import { classChain } from '../metadata/registry.js';
import type { MiddlewareLike } from './middleware.js';

interface MiddlewareRecord {
  readonly controller: MiddlewareLike[];
  readonly methods: Map<string, MiddlewareLike[]>;
}

/** `@UseMiddleware` records, by class (kept apart from the registry: middleware belongs to dispatch). */
const records = new WeakMap<Function, MiddlewareRecord>();

function recordOf(target: Function): MiddlewareRecord {
  let record = records.get(target);
  if (!record) {
    record = { controller: [], methods: new Map() };
    records.set(target, record);
  }
  return record;
}

/**
 * Middleware around this controller's handlers (on the class) or one handler (on a `@Topic`
 * method): functions `(ctx, next)` or classes with `use(ctx, next)` (resolved from the app's
 * container). Order: the app's (`use`), then the controller's, then the method's, then the
 * handler; within one decorator, as listed. Stacked decorators run top to bottom.
 */
export function UseMiddleware(...middleware: MiddlewareLike[]): ClassDecorator & MethodDecorator {
  return ((target: object, key?: string | symbol) => {
    if (key === undefined) {
      // Decorators apply bottom-up: prepend so that the topmost one runs first.
      recordOf(target as Function).controller.unshift(...middleware);
      return;
    }
    if (typeof key !== 'string') {
      throw new MqttDefinitionError('@UseMiddleware: only methods with string names can be decorated');
    }
    const methods = recordOf((target as { constructor: Function }).constructor).methods;
    methods.set(key, [...middleware, ...(methods.get(key) ?? [])]);
  }) as ClassDecorator & MethodDecorator;
}

/** Middleware of `target`'s controller level: its base classes' first, then its own. */
export function controllerMiddleware(target: Function): MiddlewareLike[] {
  return classChain(target)
    .reverse()
    .flatMap((cls) => records.get(cls)?.controller ?? []);
}

/** Middleware of one method: the most derived class that decorates it wins (as for `@Topic`). */
export function methodMiddleware(target: Function, method: string): MiddlewareLike[] {
  for (const cls of classChain(target)) {
    const list = records.get(cls)?.methods.get(method);
    if (list) return list;
  }
  return [];
}

/** Methods with `@UseMiddleware` on `target` and its bases (to reject those that handle no topic). */
export function decoratedMethods(target: Function): string[] {
  return classChain(target).flatMap((cls) => [...(records.get(cls)?.methods.keys() ?? [])]);
}
