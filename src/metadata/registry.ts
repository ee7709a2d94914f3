import type { ClassRecord, HandlerRecord, HookRecord, ParamRecord, TopicRecord } from './types.js';

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
    handler = { method, topics: NONE, params: NONE };
    record.handlers.set(method, handler);
  }
  return handler;
}

const NONE: never[] = Object.freeze([]) as never[];

/**
 * Appends a topic, the array sized to fit (`concat`): `push` onto an empty array, or a spread,
 * reserves 17 slots (184 bytes for one element against 56), and an app has thousands of
 * handlers with one topic each.
 */
export function addTopic(handler: HandlerRecord, topic: TopicRecord): void {
  (handler as { topics: TopicRecord[] }).topics = handler.topics.concat([topic]);
}

/** Appends a parameter record (sized to fit, as `addTopic`); equal records are shared between handlers. */
export function addParam(handler: HandlerRecord, param: ParamRecord): void {
  (handler as { params: ParamRecord[] }).params = handler.params.concat([intern(param)]);
}

/**
 * Parameter records by index, kind, name, declared type and payload options: at 10,000
 * handlers most are the same few. Only records whose type is a built-in one and whose payload
 * options are the default are shared (a map keyed by user classes would keep them alive).
 */
const params = new Map<string, ParamRecord>();
const BUILT_IN_TYPES = new Map<unknown, string>([
  [undefined, ''],
  [Object, 'Object'],
  [String, 'String'],
  [Number, 'Number'],
  [Boolean, 'Boolean'],
  [Array, 'Array'],
  [Buffer, 'Buffer'],
  [Uint8Array, 'Uint8Array'],
  [Promise, 'Promise'],
]);

function intern(param: ParamRecord): ParamRecord {
  const type = BUILT_IN_TYPES.get(param.type);
  const defaults = param.payload === undefined || Object.keys(param.payload).length === 0;
  if (type === undefined || !defaults || !Object.isFrozen(param.payload ?? NONE)) return param;
  const key = `${param.index}|${param.kind}|${param.name ?? ''}|${type}|${param.typeKnown}|${param.payload ? 'p' : ''}`;
  const known = params.get(key);
  if (known !== undefined) return known;
  params.set(key, param);
  return param;
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
