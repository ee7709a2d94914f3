import { MqttDefinitionError } from '../errors.js';
import type { MqttLogger } from '../logger.js';
import type { DtoValidatorOptions, ParamRecord } from '../metadata/types.js';
import { compilePayloadResolver, type PayloadResolver } from '../payload/decode.js';
import type { InboundMessage } from '../payload/message.js';
import { MqttContext, type TopicParams } from './context.js';

/** A handler ready to run: its parameter resolution was compiled once, at bootstrap. */
export interface CompiledHandler {
  /** `Class.method`, or a name given to a runtime handler. */
  readonly name: string;
  /** Calls the handler; returns what it returned (a Promise for async handlers). Throws what it throws. */
  invoke(message: InboundMessage, params: TopicParams): unknown;
  /** The handler this one wraps (with its middleware): the same method, for deduplication. */
  readonly of?: CompiledHandler;
}

/**
 * A handler function as `MqttService.subscribe` / `onTopic` take it; `P` types `ctx.params`
 * (`TopicParamsOf<'devices/+id'>` is `{ readonly id: string }`).
 */
export type MessageHandler<P extends TopicParams = TopicParams> = (ctx: MqttContext<P>) => unknown;

type Resolver = (message: InboundMessage, params: TopicParams, name: string) => unknown;

const EMPTY_PARAMS: TopicParams = Object.freeze({});

/**
 * Resolvers that capture nothing are shared by every handler, and `@TopicParam` ones by every
 * handler taking the same name: at 10,000 handlers, a closure per parameter adds up.
 */
const NONE: Resolver = () => undefined;
const PARAMS: Resolver = (_message, params) => params;
const TOPIC: Resolver = (message) => message.topic;
const PACKET: Resolver = (message) => message.packet;
const CONTEXT: Resolver = (message, params, name) => new MqttContext(message, params, name);
const topicParams = new Map<string, Resolver>();
/** Payload decoders are shared for the built-in types (JSON, text, numbers…): so are their resolvers. */
const payloads = new WeakMap<PayloadResolver, Resolver>();

function topicParam(key: string): Resolver {
  let resolver = topicParams.get(key);
  if (resolver === undefined) {
    resolver = (_message, params) => params[key];
    topicParams.set(key, resolver);
  }
  return resolver;
}

/** Compiles a decorated controller method. `params` come from the registry, one per decorated index. */
export function compileMethod(
  instance: object,
  method: string,
  name: string,
  params: readonly ParamRecord[],
  validator: DtoValidatorOptions | false,
  logger?: MqttLogger,
): CompiledHandler {
  const fn = (instance as Record<string, unknown>)[method];
  if (typeof fn !== 'function') throw new MqttDefinitionError(`${name} is not a method`);
  if (params.length === 0) return compileFunction((ctx) => fn.call(instance, ctx), name);

  const arity = Math.max(...params.map((p) => p.index)) + 1;
  const resolvers: Resolver[] = new Array(arity).fill(NONE);
  for (const param of params) resolvers[param.index] = resolverFor(param, validator, logger);

  if (arity === 1) return new OneArgument(name, fn, instance, resolvers[0]!);
  if (arity === 2) return new TwoArguments(name, fn, instance, resolvers[0]!, resolvers[1]!);
  return {
    name,
    invoke: (message, values) => {
      const args = new Array<unknown>(arity);
      for (let i = 0; i < arity; i++) args[i] = resolvers[i]!(message, values, name);
      return fn.apply(instance, args);
    },
  };
}

/**
 * The same method, called with a context that already exists (the one its middleware saw):
 * `@Ctx()` gives that context (and its `state`), other parameters resolve from its message.
 * Compiled only for handlers that have middleware.
 */
export function compileMethodCall(
  instance: object,
  method: string,
  name: string,
  params: readonly ParamRecord[],
  validator: DtoValidatorOptions | false,
): (ctx: MqttContext) => unknown {
  const fn = (instance as Record<string, unknown>)[method];
  if (typeof fn !== 'function') throw new MqttDefinitionError(`${name} is not a method`);
  if (params.length === 0) return (ctx) => fn.call(instance, ctx);
  const arity = Math.max(...params.map((p) => p.index)) + 1;
  const resolvers: Array<(ctx: MqttContext) => unknown> = new Array(arity).fill(() => undefined);
  for (const param of params) {
    if (param.kind === 'context') resolvers[param.index] = (ctx) => ctx;
    else {
      const resolve = resolverFor(param, validator);
      resolvers[param.index] = (ctx) => resolve(ctx.message, ctx.params, name);
    }
  }
  return (ctx) => {
    const args = new Array<unknown>(arity);
    for (let i = 0; i < arity; i++) args[i] = resolvers[i]!(ctx);
    return fn.apply(instance, args);
  };
}

/*
 * The usual handlers (one or two parameters) as small objects with a prototype method rather
 * than an object, a closure and its context each: about 90 bytes less per handler.
 */
class OneArgument implements CompiledHandler {
  constructor(
    readonly name: string,
    private readonly fn: Function,
    private readonly instance: object,
    private readonly only: Resolver,
  ) {}

  invoke(message: InboundMessage, values: TopicParams): unknown {
    return this.fn.call(this.instance, this.only(message, values, this.name));
  }
}

class TwoArguments implements CompiledHandler {
  constructor(
    readonly name: string,
    private readonly fn: Function,
    private readonly instance: object,
    private readonly first: Resolver,
    private readonly second: Resolver,
  ) {}

  invoke(message: InboundMessage, values: TopicParams): unknown {
    const name = this.name;
    return this.fn.call(this.instance, this.first(message, values, name), this.second(message, values, name));
  }
}

/** Wraps a plain `(ctx) => …` handler. */
export function compileFunction(handler: MessageHandler, name: string): CompiledHandler {
  return { name, invoke: (message, params) => handler(new MqttContext(message, params, name)) };
}

function resolverFor(
  param: ParamRecord,
  validator: DtoValidatorOptions | false,
  logger?: MqttLogger,
): Resolver {
  switch (param.kind) {
    case 'payload': {
      const decode = compilePayloadResolver(param.type, param.payload ?? {}, validator, logger);
      let resolver = payloads.get(decode);
      if (resolver === undefined) {
        resolver = (message, _params, name) => decode(message, name);
        payloads.set(decode, resolver);
      }
      return resolver;
    }
    case 'topic-param':
      return topicParam(param.name!);
    case 'params':
      return PARAMS;
    case 'topic':
      return TOPIC;
    case 'packet':
      return PACKET;
    case 'context':
      return CONTEXT;
  }
}

export { EMPTY_PARAMS };
