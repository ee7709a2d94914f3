import type { InvalidField } from '../errors.js';

/**
 * The few field rules `MqttConfig` needs, as decorators named and worded like class-validator's
 * (`@IsOptional() @IsInt() @Min(0)`), checked by {@link fieldProblems}. Our own because importing
 * class-validator costs more than the rest of the library together (it loads validator.js and
 * libphonenumber-js): an app without DTO payloads never loads it (see payload/dto-modules.ts).
 */

type Check = (value: unknown) => string | undefined;

interface FieldRules {
  optional: boolean;
  nested: boolean;
  /** Each returns the end of a message (`must be an integer number`) when the value breaks it. */
  readonly checks: Check[];
}

const RULES = Symbol('koa-mqtt:config-rules');

type RuleHolder = { [RULES]?: Map<string, FieldRules> };

function rulesOf(target: object, key: string | symbol): FieldRules {
  const holder = target.constructor as RuleHolder;
  if (!Object.hasOwn(holder, RULES)) holder[RULES] = new Map();
  const map = holder[RULES]!;
  let rules = map.get(String(key));
  if (!rules) {
    rules = { optional: false, nested: false, checks: [] };
    map.set(String(key), rules);
  }
  return rules;
}

/** Decorators run right to left; `unshift` keeps the messages in the order they are written. */
function rule(check: Check): PropertyDecorator {
  return (target, key) => void rulesOf(target, key).checks.unshift(check);
}

/** `undefined` and `null` pass every other rule of the field. */
export const IsOptional = (): PropertyDecorator => (target, key) => {
  rulesOf(target, key).optional = true;
};

/** The value is an object checked by its own class's rules (the config makes the instance). */
export const ValidateNested = (): PropertyDecorator => (target, key) => {
  rulesOf(target, key).nested = true;
};

export const IsString = () => rule((v) => (typeof v === 'string' ? undefined : 'must be a string'));
export const IsBoolean = () => rule((v) => (typeof v === 'boolean' ? undefined : 'must be a boolean value'));
export const IsNotEmpty = () =>
  rule((v) => (v === '' || v === null || v === undefined ? 'should not be empty' : undefined));
export const IsInt = () => rule((v) => (Number.isInteger(v) ? undefined : 'must be an integer number'));
export const Min = (min: number) =>
  rule((v) => (typeof v === 'number' && v >= min ? undefined : `must not be less than ${min}`));
export const Max = (max: number) =>
  rule((v) => (typeof v === 'number' && v <= max ? undefined : `must not be greater than ${max}`));
export const IsIn = (allowed: readonly unknown[]) =>
  rule((v) =>
    allowed.includes(v) ? undefined : `must be one of the following values: ${allowed.join(', ')}`,
  );

/** Every field of `object` that breaks a rule of its class, nested fields dotted (`will.qos`). */
export function fieldProblems(object: object, parent = ''): InvalidField[] {
  const fields: InvalidField[] = [];
  const rules = (object.constructor as RuleHolder)[RULES];
  if (!rules) return fields;
  for (const [key, field] of rules) {
    const value = (object as Record<string, unknown>)[key];
    if (field.optional && (value === undefined || value === null)) continue;
    const name = parent ? `${parent}.${key}` : key;
    const problems = field.checks.map((check) => check(value)).filter((p) => p !== undefined);
    if (problems.length > 0) fields.push({ field: name, problems: problems.map((p) => `${key} ${p}`) });
    if (field.nested) {
      if (value !== null && typeof value === 'object') fields.push(...fieldProblems(value, name));
      else fields.push({ field: name, problems: [`nested property ${key} must be an object`] });
    }
  }
  return fields;
}
