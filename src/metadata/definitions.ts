import { InvalidTopicError, MqttDefinitionError } from '../errors.js';
import {
  joinTopic,
  parsePattern,
  shareFilter,
  splitSharedFilter,
  type TopicPattern,
} from '../topic/index.js';
import { flatString } from './flat-string.js';
import { positiveInteger, timeoutOption } from './flow-options.js';
import { classChain, findRecord } from './registry.js';
import type {
  AckMode,
  ControllerOptions,
  HandlerRecord,
  HookEvent,
  QoS,
  SubscriptionOptions,
  TopicOptions,
} from './types.js';

/** One `@Topic` of a handler, compiled: the pattern joined to the prefix, and what to subscribe. */
export interface RouteDefinition {
  /** Pattern as the user wrote it, joined to the controller prefix. */
  readonly source: string;
  readonly pattern: TopicPattern;
  /** What goes into SUBSCRIBE: the plain filter, or `$share/{group}/{filter}`. */
  readonly subscriptionFilter: string;
  readonly subscription: ResolvedSubscriptionOptions;
  readonly ack: AckMode | undefined;
  /** `@Topic(…, { deadLetter })`, checked when the app mounts the handler. */
  readonly deadLetter: TopicOptions['deadLetter'];
  /** `@Topic` concurrency, checked. */
  readonly concurrency: number | undefined;
  /** `@Topic` handlerTimeout, else the controller's; undefined: the app's. */
  readonly handlerTimeout: number | undefined;
  /**
   * The pattern starts with the controller prefix again (`@Topic('sensors/+id')` under
   * `@MqttController('sensors')` gives `sensors/sensors/+id`): most likely a mistake, warned at start.
   */
  readonly repeatsPrefix: boolean;
}

export interface ResolvedSubscriptionOptions {
  readonly qos: QoS;
  readonly noLocal: boolean;
  readonly retainAsPublished: boolean;
  readonly retainHandling: 0 | 1 | 2;
}

export interface HandlerDefinition {
  readonly method: string;
  /** `Class.method`, used in errors, logs and metrics. */
  readonly name: string;
  readonly record: HandlerRecord;
  readonly routes: readonly RouteDefinition[];
}

export interface ControllerDefinition {
  readonly target: Function;
  readonly name: string;
  readonly handlers: readonly HandlerDefinition[];
  readonly hooks: ReadonlyArray<{ readonly event: HookEvent; readonly method: string }>;
}

/** App-wide defaults the definitions depend on. */
export interface DefinitionDefaults {
  readonly shareGroup?: string | undefined;
}

/**
 * Reads the records of `target` and its base classes and compiles them: prefixes joined,
 * patterns parsed and validated, share groups applied, `@TopicParam` names checked.
 * Throws `MqttDefinitionError` naming `Class.method` and the filter on any mistake.
 */
export function defineController(target: Function, defaults: DefinitionDefaults = {}): ControllerDefinition {
  const chain = classChain(target);
  const records = chain.map((cls) => findRecord(cls)).filter((r) => r !== undefined);
  const controller = records.find((r) => r.controller)?.controller;
  if (!controller) {
    throw new MqttDefinitionError(
      `${target.name} is listed as a controller but has no @MqttController() decorator`,
    );
  }
  const handlers = new Map<string, HandlerRecord>();
  const hooks = new Map<string, { event: HookEvent; method: string }>();
  for (const record of records) {
    for (const [method, handler] of record.handlers) if (!handlers.has(method)) handlers.set(method, handler);
    for (const hook of record.hooks) hooks.set(`${hook.event}:${hook.method}`, hook);
  }
  const definitions: HandlerDefinition[] = [];
  for (const [method, record] of handlers) {
    const name = flatString(`${target.name}.${method}`);
    if (record.topics.length === 0) {
      if (record.params.length > 0) {
        throw new MqttDefinitionError(`${name} has parameter decorators but no @Topic()`);
      }
      continue;
    }
    const routes = record.topics.map((topic) =>
      defineRoute(name, controller.prefix, topic.pattern, topic.options, controller.options, defaults),
    );
    checkParams(name, record, routes);
    definitions.push({ method, name, record, routes });
  }
  return { target, name: target.name, handlers: definitions, hooks: [...hooks.values()] };
}

function defineRoute(
  name: string,
  prefix: string,
  pattern: string,
  options: TopicOptions,
  controllerOptions: ControllerOptions,
  defaults: DefinitionDefaults,
): RouteDefinition {
  let joined = pattern;
  try {
    joined = flatString(joinTopic(prefix, pattern));
    const parsed = parsePattern(joined);
    const group = parsed.group ?? resolveShare(options.share, controllerOptions.share, defaults.shareGroup);
    const subscription = resolveSubscription(options, controllerOptions.qos);
    if (group && subscription.noLocal) {
      // MQTT 5.0 [MQTT-3.8.3-4]: the broker would close the connection.
      throw new MqttDefinitionError(
        `${name}: noLocal cannot be set on a shared subscription (group ${JSON.stringify(group)}); opt this topic out with share: false`,
      );
    }
    const { concurrency, handlerTimeout } = flowOptions(name, options, controllerOptions);
    // Every field named in one literal (no spread): V8 then keeps them all in the object itself,
    // without a separate property array (40 bytes per route).
    return {
      source: joined,
      pattern: parsed,
      subscriptionFilter: group ? shareFilter(group, parsed.filter) : parsed.filter,
      subscription,
      ack: options.ack,
      deadLetter: options.deadLetter,
      concurrency,
      handlerTimeout,
      repeatsPrefix: repeatsPrefix(prefix, pattern),
    };
  } catch (error) {
    if (error instanceof InvalidTopicError) {
      throw new MqttDefinitionError(
        `${name}: @Topic(${JSON.stringify(pattern)})${prefix ? ` with prefix ${JSON.stringify(prefix)}` : ''} gives an invalid filter ${JSON.stringify(joined)}: ${error.message}`,
        { cause: error },
      );
    }
    throw error;
  }
}

/** `concurrency` and `handlerTimeout` of one `@Topic`, checked; the `@Topic` timeout beats the controller's. */
function flowOptions(
  name: string,
  options: TopicOptions,
  controllerOptions: ControllerOptions,
): { concurrency: number | undefined; handlerTimeout: number | undefined } {
  const concurrency =
    options.concurrency === undefined
      ? undefined
      : positiveInteger(`${name}: @Topic concurrency`, options.concurrency, 1);
  const handlerTimeout =
    timeoutOption(`${name}: @Topic handlerTimeout`, options.handlerTimeout) ??
    timeoutOption(`${name}: @MqttController handlerTimeout`, controllerOptions.handlerTimeout);
  return { concurrency, handlerTimeout };
}

/** `@Topic` share beats the controller's, which beats the app's; `false` at any level opts out. */
function resolveShare(
  topic: string | false | undefined,
  controller: string | false | undefined,
  app: string | undefined,
): string | undefined {
  const chosen = topic ?? controller ?? app;
  return chosen === false || chosen === '' ? undefined : chosen;
}

/** Options with their defaults; the values were checked where the user gave them (`option-rules.ts`). */
export function resolveSubscription(
  options: SubscriptionOptions,
  defaultQos?: QoS,
): ResolvedSubscriptionOptions {
  const qos = options.qos ?? defaultQos ?? 0;
  const noLocal = options.noLocal ?? false;
  const retainAsPublished = options.retainAsPublished ?? false;
  const retainHandling = options.retainHandling ?? 0;
  // Frozen and shared: a few combinations, against one object per handler.
  const key = `${qos}|${noLocal}|${retainAsPublished}|${retainHandling}`;
  let resolved = resolvedOptions.get(key);
  if (resolved === undefined) {
    resolved = Object.freeze({ qos, noLocal, retainAsPublished, retainHandling });
    resolvedOptions.set(key, resolved);
  }
  return resolved;
}

const resolvedOptions = new Map<string, ResolvedSubscriptionOptions>();

function checkParams(name: string, record: HandlerRecord, routes: readonly RouteDefinition[]): void {
  const seen = new Set<number>();
  for (const param of record.params) {
    if (seen.has(param.index)) {
      throw new MqttDefinitionError(
        `${name}: parameter ${param.index} has more than one parameter decorator`,
      );
    }
    seen.add(param.index);
    if (param.kind === 'payload' && !param.typeKnown && !param.payload?.decoder) {
      throw new MqttDefinitionError(
        `${name}: the type of its @Payload() parameter ${param.index} is unknown: the class was compiled without decorator metadata. Set "experimentalDecorators": true and "emitDecoratorMetadata": true in tsconfig.json and compile with tsc (tsx, esbuild and Vitest do not emit it), or give the type: @Payload({ type: MyDto }) (String, Number, Buffer, Object for any JSON…)`,
      );
    }
    if (param.kind !== 'topic-param') continue;
    for (const route of routes) {
      if (!route.pattern.paramNames.includes(param.name!)) {
        throw new MqttDefinitionError(
          `${name}: @TopicParam(${JSON.stringify(param.name)}) is not a named parameter of ${JSON.stringify(route.source)} (it has ${route.pattern.paramNames.map((n) => JSON.stringify(n)).join(', ') || 'none'})`,
        );
      }
    }
  }
}

/**
 * Whether `pattern` begins with every level of `prefix` again (share prefixes aside):
 * `('sensors', 'sensors/+id/#')` and `('a/b', 'a/b')` do, `('sensors', 'sensorsx/+')` does not.
 */
export function repeatsPrefix(prefix: string, pattern: string): boolean {
  const outer = splitSharedFilter(prefix).filter.replace(/\/$/, '');
  const inner = splitSharedFilter(pattern).filter.replace(/^\//, '');
  if (outer === '') return false;
  return inner === outer || inner.startsWith(`${outer}/`);
}
