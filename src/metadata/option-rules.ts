import { MqttOptionError, quote } from '../errors.js';
import { shareGroupProblem } from '../topic/problems.js';
import type { ControllerOptions, PayloadOptions, SubscriptionOptions, TopicOptions } from './types.js';

/**
 * The rules every option of the public API is checked against, one table per options object
 * (option name → rule), and the one function that applies a table. Entry points (decorators,
 * `MqttService`, `createMqttApp`) call `checkOptions` where the user hands the options over, so
 * a bad value is an `MqttOptionError` naming the call, the option, the value and the rule, and
 * mqtt.js never sees it. Decorator options are checked once, when the class is defined; runtime
 * calls check only the keys they were given. Tables are typed `Record<keyof Options, Rule>`, so
 * an option added to an interface without a rule does not compile.
 */

/** One rule: a test and how it reads after "must be" in an error. */
export interface Rule {
  readonly test: (value: unknown) => boolean;
  readonly text: string;
  /** Options of a nested object (e.g. `properties`), checked after `test` passed. */
  readonly nested?: RuleTable;
  /** The rule of every value of an object (e.g. `userProperties`), checked after `test` passed. */
  readonly each?: Rule;
}

export type RuleTable = Readonly<Record<string, Rule>>;

/** Largest delay `setTimeout` honours (a larger one fires at once). */
export const MAX_TIMER_MS = 2_147_483_647;

/** A rule; exported for the tables that live beside their options type. */
export function rule(text: string, test: (value: unknown) => boolean): Rule {
  return { text, test };
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Building blocks of the tables; exported for the tables that live beside their options type. */
export const rules = {
  boolean: rule('a boolean', (v) => typeof v === 'boolean'),
  string: rule('a string', (v) => typeof v === 'string'),
  nonEmptyString: rule('a non-empty string', (v) => typeof v === 'string' && v !== ''),
  function: rule('a function', (v) => typeof v === 'function'),
  object: rule('an object', isObject),
  buffer: rule('a Buffer', (v) => Buffer.isBuffer(v)),
  /** An integer in [min, max]; `text` replaces the default wording. */
  integer(min: number, max: number, text?: string): Rule {
    return rule(
      text ?? `an integer from ${min.toLocaleString('en')} to ${max.toLocaleString('en')}`,
      (v) => Number.isInteger(v) && (v as number) >= min && (v as number) <= max,
    );
  },
  /** One of `values` (compared with `===`). */
  oneOf(values: readonly unknown[]): Rule {
    const shown = values.map((v) => (typeof v === 'string' ? JSON.stringify(v) : String(v)));
    const text =
      shown.length === 2
        ? `${shown[0]} or ${shown[1]}`
        : `${shown.slice(0, -1).join(', ')} or ${shown.at(-1)}`;
    return rule(text, (v) => values.includes(v));
  },
  /** Either rule. */
  either(a: Rule, b: Rule): Rule {
    return rule(`${a.text} or ${b.text}`, (v) => a.test(v) || b.test(v));
  },
  /** An object with these options. */
  nested(table: RuleTable): Rule {
    return { text: 'an object', test: isObject, nested: table };
  },
} as const;

export const QOS_RULE = rules.oneOf([0, 1, 2]);
export const ACK_RULE = rules.oneOf(['auto', 'after-handler']);
/** A share name (MQTT 5 §4.8.2: not empty, no `/`, `+` or `#`), or `false` (or `''`) for none. */
export const SHARE_RULE = rule(
  'false or a share name (a non-empty string without "/", "+" or "#")',
  (v) => v === false || v === '' || (typeof v === 'string' && shareGroupProblem(v) === undefined),
);

/** MQTT 5 subscription options (§3.8.3.1). */
export const SUBSCRIPTION_RULES = {
  qos: QOS_RULE,
  share: SHARE_RULE,
  noLocal: rules.boolean,
  retainAsPublished: rules.boolean,
  retainHandling: rules.oneOf([0, 1, 2]),
} as const satisfies Record<keyof SubscriptionOptions, Rule>;

/** `MqttService.subscribe` options. */
/** Flow control of one handler (`concurrency`, `handlerTimeout`; see docs/delivery.md). */
export const CONCURRENCY_RULE = rules.integer(1, Number.MAX_SAFE_INTEGER, 'a positive integer');
export const HANDLER_TIMEOUT_RULE = rules.integer(
  0,
  MAX_TIMER_MS,
  `an integer number of ms from 0 (none) to ${MAX_TIMER_MS}`,
);

export const RUNTIME_SUBSCRIPTION_RULES = {
  ...SUBSCRIPTION_RULES,
  ack: ACK_RULE,
  concurrency: CONCURRENCY_RULE,
  handlerTimeout: HANDLER_TIMEOUT_RULE,
} as const satisfies Record<keyof SubscriptionOptions | 'ack' | 'concurrency' | 'handlerTimeout', Rule>;

const DEAD_LETTER_RULE = rule(
  'false, a topic or { topic, qos?, handlerErrors? }',
  (v) => v === false || typeof v === 'string' || isObject(v),
);

/** `@Topic` options. */
export const TOPIC_RULES = {
  ...SUBSCRIPTION_RULES,
  ack: ACK_RULE,
  deadLetter: DEAD_LETTER_RULE,
  reply: rule(
    'a class or constructor (String, Number, Buffer, a DTO class…)',
    (v) => typeof v === 'function',
  ),
  summary: rules.string,
  description: rules.string,
  concurrency: CONCURRENCY_RULE,
  handlerTimeout: HANDLER_TIMEOUT_RULE,
} as const satisfies Record<keyof TopicOptions, Rule>;

/** `@MqttController` options. */
export const CONTROLLER_RULES = {
  share: SHARE_RULE,
  qos: QOS_RULE,
  handlerTimeout: HANDLER_TIMEOUT_RULE,
} as const satisfies Record<keyof ControllerOptions, Rule>;

/** `@Payload` options. */
export const PAYLOAD_RULES = {
  type: rule('a class or constructor (String, Number, Buffer, a DTO class…)', (v) => typeof v === 'function'),
  decoder: rules.function,
  validate: rules.either(rules.boolean, rules.object),
  whitelist: rules.boolean,
  forbidNonWhitelisted: rules.boolean,
} as const satisfies Record<keyof PayloadOptions, Rule>;

/**
 * Throws `MqttOptionError` for the first option of `options` that breaks its rule in `table`.
 * `undefined` means "not given" (so `{ qos: process.env.X ? 1 : undefined }` is fine); options
 * the table does not know are left alone (TypeScript reports them; they have no effect).
 */
export function checkOptions(where: Where, table: RuleTable, options: unknown, path = ''): void {
  if (options === undefined) return;
  if (!isObject(options)) throw new MqttOptionError(place(where), path || 'options', options, 'an object');
  for (const key in options) {
    const value = options[key];
    if (value === undefined) continue;
    const check = table[key];
    if (check === undefined) continue;
    const option = path ? `${path}.${key}` : key;
    if (!check.test(value)) throw new MqttOptionError(place(where), option, value, check.text);
    if (check.nested) checkOptions(where, check.nested, value, option);
    if (check.each) {
      for (const [name, item] of Object.entries(value as object)) {
        if (!check.each.test(item))
          throw new MqttOptionError(place(where), `${option}[${quote(name)}]`, item, check.each.text);
      }
    }
  }
}

/** Throws `MqttOptionError` unless `value` passes `check` (for a positional argument). */
export function checkValue(where: Where, name: string, value: unknown, check: Rule): void {
  if (!check.test(value)) throw new MqttOptionError(place(where), name, value, check.text);
}

/**
 * The call the options were given to, for the error: a string, or a function making it, so that a
 * hot path (`publish`) builds it only when an option is wrong.
 */
export type Where = string | (() => string);

function place(where: Where): string {
  return typeof where === 'string' ? where : where();
}

/** `"text"` or `(number)`: how a user's pattern is shown in `where`. */
export function showPattern(pattern: unknown): string {
  return typeof pattern === 'string' ? quote(pattern) : `(${typeof pattern})`;
}
