import type { ClassRecord, HandlerRecord, HookRecord } from './types.js';

/**
 * The one store the decorators write to, keyed by class. Decorators only record;
 * `runtime/definitions.ts` reads the records of a class and its bases at bootstrap.
 */
const records = new WeakMap<Function, ClassRecord>();

/** The record of exactly this class (not its bases), created on first use. */
export function recordOf(target: Function): ClassRecord {
  let record = records.get(target);
  if (!record) {
    record = { handlers: new Map(), hooks: [] };
    records.set(target, record);
  }
  return record;
}

/** The record of exactly this class, if any decorator wrote one. */
export function findRecord(target: Function): ClassRecord | undefined {
  return records.get(target);
}

/** The handler record of `method` on this class, created on first use. */
export function handlerRecordOf(target: Function, method: string): HandlerRecord {
  const record = recordOf(target);
  let handler = record.handlers.get(method);
  if (!handler) {
    handler = { method, topics: [], params: [] };
    record.handlers.set(method, handler);
  }
  return handler;
}

export function addHook(target: Function, hook: HookRecord): void {
  recordOf(target).hooks.push(hook);
}

/** The class itself, then its bases, most derived first (stops at Object / Function.prototype). */
export function classChain(target: Function): Function[] {
  const chain: Function[] = [];
  for (let current: unknown = target; typeof current === 'function' && current !== Function.prototype; ) {
    chain.push(current);
    current = Object.getPrototypeOf(current);
  }
  return chain;
}
