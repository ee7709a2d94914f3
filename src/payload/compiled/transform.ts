/**
 * `plainToInstance(Dto, parsedJson)` for classes whose plan was built: the same instance
 * class-transformer builds with its default options (`new Dto()`, every own key of the payload
 * copied except those it skips, `@Type()` targets and primitive conversions, untyped objects
 * and arrays copied). Input is JSON.parse output without `__proto__` keys.
 */
import type { ClassPlan, TypeRef } from './plan.js';

/** Thrown where class-transformer would behave in a way not reproduced here: the caller uses it instead. */
export const DEOPT = Symbol('deopt');

type Plain = Record<string, unknown>;

/**
 * Keys class-transformer drops when copying an untyped object into `{}`: own properties of
 * `Object.prototype` (methods, skipped as functions; `__proto__` explicitly).
 */
const OBJECT_SKIP: ReadonlySet<string> = new Set(Object.getOwnPropertyNames(Object.prototype));

export function toInstance(plan: ClassPlan, plain: Plain, plans: ReadonlyMap<Function, ClassPlan>): object {
  const out = new (plan.target as new () => Plain)();
  const keys = Object.keys(plain);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (key === 'constructor' || plan.protoSkip.has(key) || out[key] instanceof Function) continue;
    const type = plan.types.get(key);
    const value = plain[key];
    out[key] = type === undefined ? untyped(value) : typed(type, value, plans);
  }
  return out;
}

function untyped(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = untyped(value[i]);
    return out;
  }
  // class-transformer takes an own `constructor` key for the class to build: it throws.
  if (Object.hasOwn(value, 'constructor')) throw DEOPT;
  const out: Plain = {};
  for (const key in value as Plain) {
    if (OBJECT_SKIP.has(key)) continue;
    out[key] = untyped((value as Plain)[key]);
  }
  return out;
}

function typed(type: TypeRef, value: unknown, plans: ReadonlyMap<Function, ClassPlan>): unknown {
  if (Array.isArray(value)) {
    const out = arrayOf(type.arrayType);
    for (let i = 0; i < value.length; i++) out.push(convert(type.to, value[i], plans));
    return out;
  }
  return convert(type.to, value, plans);
}

/** class-transformer's `instantiateArrayType`: `new declaredType()` if it can `push`, else `[]`. */
function arrayOf(declared: Function | undefined): unknown[] {
  if (declared === undefined || declared === Array || declared === Object) return [];
  const made = new (declared as new () => unknown)() as unknown[];
  return made !== null && typeof made === 'object' && 'push' in made ? made : [];
}

function convert(to: Function, value: unknown, plans: ReadonlyMap<Function, ClassPlan>): unknown {
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (let i = 0; i < value.length; i++) out.push(convert(to, value[i], plans));
    return out;
  }
  if (to === String) return value === null || value === undefined ? value : String(value);
  if (to === Number) return value === null || value === undefined ? value : Number(value);
  if (to === Boolean) return value === null || value === undefined ? value : Boolean(value);
  if (to === Date) return value === null || value === undefined ? value : new Date(value as string);
  if (value === null || typeof value !== 'object') return value;
  const plan = plans.get(to);
  if (plan === undefined) throw DEOPT;
  return toInstance(plan, value as Plain, plans);
}
