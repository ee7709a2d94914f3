import type { ValidationError } from 'class-validator';
import { PayloadValidationError } from '../errors.js';
import type { MqttLogger } from '../logger.js';
import type { DtoValidatorOptions, PayloadOptions } from '../metadata/types.js';
import { type CompiledDto, compileDto, DEOPT, Unsupported } from './compiled/index.js';
import { type DtoModules, dtoModules } from './dto-modules.js';
import { type InboundMessage, NOT_DECODED } from './message.js';

/** Turns a message into the value of one `@Payload()` parameter. Compiled once per handler. */
export type PayloadResolver = (message: InboundMessage, handler: string) => unknown;

const TEXT = Symbol('text');
const JSON_KEY = Symbol('json');

/** The payload as UTF-8 text, decoded once per message. */
export function textOf(message: InboundMessage): string {
  const cached = message.cached(TEXT);
  if (cached !== NOT_DECODED) return cached as string;
  const text = message.payload.toString('utf8');
  message.remember(TEXT, text);
  return text;
}

/** The payload parsed as JSON, once per message; bad JSON is a `PayloadValidationError`. */
export function jsonOf(message: InboundMessage, handler: string): unknown {
  return once(message, JSON_KEY, handler, parseJson);
}

function parseJson(message: InboundMessage, handler: string): unknown {
  try {
    return JSON.parse(textOf(message)) as unknown;
  } catch (error) {
    throw new PayloadValidationError(
      message.topic,
      handler,
      [`payload is not valid JSON (${jsonProblem(error as Error, message.payload.length)})`],
      { cause: error },
    );
  }
}

/**
 * What JSON.parse disliked, without the excerpt of the payload V8 puts in its message
 * (payloads are never logged): the position where there is one, and the size.
 */
function jsonProblem(error: Error, bytes: number): string {
  const position = /position (\d+)/.exec(error.message)?.[1];
  if (bytes === 0) return 'empty payload';
  if (/end of JSON input/.test(error.message)) return `unexpected end after ${bytes} bytes`;
  return position === undefined ? `${bytes} bytes` : `at character ${position} of ${bytes} bytes`;
}

/** A decoding failure, cached like a value so that a bad payload is decoded only once too. */
class Failed {
  constructor(readonly error: PayloadValidationError) {}
}

/**
 * Decodes once per message and `key`, whichever handler asks first; a failure is cached too
 * and thrown again to each handler that asks, under that handler's name.
 */
function once<T>(
  message: InboundMessage,
  key: unknown,
  handler: string,
  decode: (message: InboundMessage, handler: string) => T,
): T {
  let result = message.cached(key) as T | Failed | typeof NOT_DECODED;
  if (result === NOT_DECODED) {
    try {
      result = decode(message, handler);
    } catch (error) {
      if (!(error instanceof PayloadValidationError)) throw error;
      result = new Failed(error);
    }
    message.remember(key, result);
  }
  if (!(result instanceof Failed)) return result;
  const { error } = result;
  if (error.handler === handler) throw error;
  throw new PayloadValidationError(error.topic, handler, error.constraints, { cause: error.cause });
}

const PLAIN_TYPES = new Set<unknown>([undefined, Object, Promise]);

/**
 * Chooses the decoder for a `@Payload()` parameter by its declared type:
 * `Buffer`/`Uint8Array` raw bytes, `String` text, `Number` / `Boolean` parsed from text,
 * `Array` a JSON array, `Object` (interfaces, `unknown`, `any`) JSON, any other class JSON
 * turned into an instance and validated with class-validator (unless `validate: false`).
 */
export function compilePayloadResolver(
  type: unknown,
  options: PayloadOptions,
  validator: DtoValidatorOptions | false,
  logger?: MqttLogger,
): PayloadResolver {
  const custom = options.decoder;
  if (custom) {
    const decode = (message: InboundMessage, handler: string): unknown => {
      try {
        return custom(message.payload, { topic: message.topic, contentType: message.contentType });
      } catch (error) {
        if (error instanceof PayloadValidationError) throw error;
        throw new PayloadValidationError(
          message.topic,
          handler,
          [`decoder failed: ${(error as Error).message}`],
          {
            cause: error,
          },
        );
      }
    };
    return (message, handler) => once(message, custom, handler, decode);
  }
  if (type === Buffer || type === Uint8Array) return (message) => message.payload;
  if (type === String) return (message) => textOf(message);
  if (type === Number) return decodeNumber;
  if (type === Boolean) return decodeBoolean;
  if (type === Array) return decodeArray;
  if (!isDtoType(type)) return jsonOf;
  const dto = type as new () => object;
  const modules = dtoModules();
  const validate = validatorOptions(dto, options, validator);
  const key = validate ? validationKey(dto, validate) : dto;
  const compiled = compiledFor(modules, dto, validate, logger);
  const decode = (message: InboundMessage, handler: string) =>
    toDto(modules, message, handler, dto, validate, compiled);
  return (message, handler) => once(message, key, handler, decode);
}

const reported = new WeakMap<MqttLogger, WeakSet<Function>>();

/** The compiled decoder of a DTO, or undefined (then class-transformer and class-validator, said once per logger). */
function compiledFor(
  modules: DtoModules,
  dto: Function,
  validator: DtoValidatorOptions | undefined,
  logger: MqttLogger | undefined,
): CompiledDto | undefined {
  const compiled = compileDto(modules.validator, dto, validator);
  if (!(compiled instanceof Unsupported)) return compiled;
  if (logger !== undefined) {
    const seen = reported.get(logger) ?? new WeakSet<Function>();
    reported.set(logger, seen);
    if (!seen.has(dto)) {
      seen.add(dto);
      logger.debug(
        { dto: dto.name, reason: compiled.reason },
        `${dto.name}: validated by class-validator (not compiled: ${compiled.reason})`,
      );
    }
  }
  return undefined;
}

/**
 * Whether a `@Payload()` parameter of this declared type (without a decoder) is a DTO class:
 * turned into an instance by class-transformer and validated by class-validator, which the app
 * then loads at `start()` (payload/dto-modules.ts).
 */
export function isDtoType(type: unknown): boolean {
  if (type === Buffer || type === Uint8Array || type === String || type === Number) return false;
  if (type === Boolean || type === Array) return false;
  return !PLAIN_TYPES.has(type) && typeof type === 'function';
}

/** The class-validator options of one DTO parameter: class-validator's defaults, the app's, the parameter's. */
export function validatorOptions(
  dto: Function,
  options: PayloadOptions,
  app: DtoValidatorOptions | false,
): DtoValidatorOptions | undefined {
  const own = typeof options.validate === 'object' ? options.validate : undefined;
  const asked = options.validate === true || own !== undefined;
  if (options.validate === false || (app === false && !asked)) return undefined;
  // A class without class-validator decorators is only transformed: validating it would fail
  // every message with class-validator's "unknown value" (forbidUnknownValues).
  const storage = dtoModules().validator.getMetadataStorage();
  if (storage.getTargetValidationMetadatas(dto, '', true, false).length === 0) return undefined;
  const merged: DtoValidatorOptions = { forbidUnknownValues: true, ...(app || {}), ...own };
  if (options.whitelist !== undefined) merged.whitelist = options.whitelist;
  if (options.forbidNonWhitelisted !== undefined) merged.forbidNonWhitelisted = options.forbidNonWhitelisted;
  return merged;
}

const keys = new WeakMap<Function, Map<string, object>>();

/**
 * Cache key of a DTO decoded with given validator options: handlers that share a message, a
 * DTO class and equal options share the decoded instance; with different options (say, one
 * whitelists) they do not. Interned at bootstrap, so the key is stable for the app's life.
 */
function validationKey(dto: Function, options: DtoValidatorOptions): object {
  const byOptions = keys.get(dto) ?? new Map<string, object>();
  keys.set(dto, byOptions);
  const canonical = JSON.stringify(Object.entries(options).sort(([a], [b]) => (a < b ? -1 : 1)));
  let key = byOptions.get(canonical);
  if (!key) {
    key = { dto, options };
    byOptions.set(canonical, key);
  }
  return key;
}

function decodeNumber(message: InboundMessage, handler: string): number {
  return once(message, Number, handler, () => {
    const text = textOf(message).trim();
    const value = text === '' ? Number.NaN : Number(text);
    if (!Number.isFinite(value)) {
      throw new PayloadValidationError(message.topic, handler, [
        `payload (${message.payload.length} bytes) is not a finite number`,
      ]);
    }
    return value;
  });
}

function decodeBoolean(message: InboundMessage, handler: string): boolean {
  return once(message, Boolean, handler, () => {
    const text = textOf(message).trim().toLowerCase();
    if (text === 'true' || text === '1') return true;
    if (text === 'false' || text === '0') return false;
    throw new PayloadValidationError(message.topic, handler, [
      `payload (${message.payload.length} bytes) is not a boolean (true, false, 1 or 0)`,
    ]);
  });
}

function decodeArray(message: InboundMessage, handler: string): unknown[] {
  const value = jsonOf(message, handler);
  if (!Array.isArray(value)) {
    throw new PayloadValidationError(message.topic, handler, [
      `payload is JSON ${typeName(value)}, not an array`,
    ]);
  }
  return value;
}

function toDto(
  modules: DtoModules,
  message: InboundMessage,
  handler: string,
  dto: new () => object,
  validator: DtoValidatorOptions | undefined,
  compiled: CompiledDto | undefined,
): object {
  const plain = jsonOf(message, handler);
  if (plain === null || typeof plain !== 'object' || Array.isArray(plain)) {
    throw new PayloadValidationError(message.topic, handler, [
      `payload is JSON ${typeName(plain)}, ${dto.name} needs an object`,
    ]);
  }
  const problem = shapeProblem(plain, MAX_DEPTH);
  if (problem) throw new PayloadValidationError(message.topic, handler, [problem]);
  let errors: ValidationError[] = [];
  let instance: object | undefined;
  try {
    if (compiled !== undefined) {
      try {
        ({ instance, errors } = compiled(plain as Record<string, unknown>));
      } catch (error) {
        if (error !== DEOPT) throw error;
      }
    }
    if (instance === undefined) {
      instance = modules.transformer.plainToInstance(dto, plain);
      if (validator) errors = modules.validator.validateSync(instance, validator);
    }
  } catch (error) {
    throw new PayloadValidationError(
      message.topic,
      handler,
      [`cannot turn the payload into ${dto.name}: ${(error as Error).message}`],
      { cause: error },
    );
  }
  if (errors.length > 0) throw new PayloadValidationError(message.topic, handler, describe(errors));
  return instance;
}

/**
 * Deepest nesting of objects and arrays a DTO payload may have. JSON.parse copes with any
 * depth, but class-transformer and class-validator recurse and would overflow the stack.
 */
export const MAX_DEPTH = 64;

/**
 * What makes a parsed JSON value unfit for class-transformer, or undefined: nesting deeper
 * than `limit`, or a `__proto__` key (class-transformer silently drops it, so a whitelist
 * would never see it). One iterative walk, stopping at the first problem.
 */
export function shapeProblem(value: unknown, limit: number): string | undefined {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (depth > limit) return `payload nests deeper than ${limit} levels`;
    if (Array.isArray(node)) {
      for (const child of node)
        if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
      continue;
    }
    if (Object.hasOwn(node as object, '__proto__')) return 'payload has a "__proto__" key';
    for (const child of Object.values(node as object)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return undefined;
}

/** class-validator errors as `field: constraint message` lines (nested fields dotted). */
export function describe(errors: readonly ValidationError[], parent = ''): string[] {
  const lines: string[] = [];
  for (const error of errors) {
    const path = parent ? `${parent}.${error.property}` : error.property;
    for (const message of Object.values(error.constraints ?? {})) lines.push(`${path}: ${message}`);
    if (error.children?.length) lines.push(...describe(error.children, path));
  }
  return lines;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}
