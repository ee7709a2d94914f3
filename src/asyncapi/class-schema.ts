import { createRequire } from 'node:module';
import { getMetadataStorage } from 'class-validator';
import type { AsyncApiWarning, JsonSchema } from './json-schema.js';

/**
 * JSON Schemas of class-validator DTOs, read from class-validator's metadata storage (the
 * same metadata that validates payloads) and class-transformer's `@Type` records. Each class
 * becomes one named schema in `components.schemas`; nested DTOs are `$ref`s to theirs. A
 * constraint JSON Schema cannot state is listed in the property's `x-koa-mqtt-unexpressed`
 * and reported as a warning, never approximated silently.
 */

type ValidationMetadata = ReturnType<
  ReturnType<typeof getMetadataStorage>['getTargetValidationMetadatas']
>[number];

interface TypeRecord {
  typeFunction?: (options?: unknown) => unknown;
  reflectedType?: unknown;
}
interface TransformerStorage {
  findTypeMetadata(target: Function, propertyName: string): TypeRecord | undefined;
}

/** class-transformer's own store of `@Type` records (the module its decorators write to). */
function transformerStorage(): TransformerStorage | undefined {
  try {
    const require = createRequire(import.meta.url);
    const module = require('class-transformer/cjs/storage.js') as {
      defaultMetadataStorage?: TransformerStorage;
    };
    return module.defaultMetadataStorage;
  } catch {
    return undefined;
  }
}

/** A decorator's constraint argument (class-validator leaves `constraints` unset for some). */
function arg(meta: ValidationMetadata, index: number): unknown {
  return (meta.constraints as unknown[] | undefined)?.[index];
}

type Rule = (schema: JsonSchema, meta: ValidationMetadata) => string | undefined;

const string =
  (format?: string, note?: string): Rule =>
  (schema) => {
    schema.type = 'string';
    if (format) schema.format = format;
    return note;
  };

/**
 * class-validator decorator name → what it adds to the schema; the string returned, if any,
 * is what the schema leaves out. Names not here are reported as unexpressed.
 */
const RULES: Record<string, Rule> = {
  isString: string(),
  isNumber: (s) => {
    s.type = 'number';
    return undefined;
  },
  isInt: (s) => {
    s.type = 'integer';
    return undefined;
  },
  isBoolean: (s) => {
    s.type = 'boolean';
    return undefined;
  },
  isArray: (s) => {
    s.type = 'array';
    return undefined;
  },
  isObject: (s) => {
    s.type = 'object';
    return undefined;
  },
  isEnum: (s, m) => {
    s.enum = enumValues(m.constraints ?? []);
    return undefined;
  },
  isIn: (s, m) => {
    s.enum = [...(arg(m, 0) as unknown[])];
    return undefined;
  },
  equals: (s, m) => {
    s.const = arg(m, 0);
    return undefined;
  },
  isEmail: string('email'),
  isUuid: (s, m) => {
    s.type = 'string';
    s.format = 'uuid';
    const version = arg(m, 0);
    return version === undefined || version === 'all' ? undefined : `UUID version ${String(version)} only`;
  },
  isUrl: string('uri'),
  isFqdn: string('hostname'),
  isRFC3339: string('date-time'),
  isIso8601: string('date-time', 'IsISO8601 also accepts ISO 8601 forms that are not RFC 3339 date-times'),
  isDateString: string(
    'date-time',
    'IsDateString also accepts ISO 8601 forms that are not RFC 3339 date-times',
  ),
  isDate: string(
    'date-time',
    'IsDate checks a Date instance (with @Type(() => Date)): sent as a date-time string',
  ),
  isIp: (s, m) => {
    s.type = 'string';
    const version = String(arg(m, 0) ?? '');
    if (version === '4' || version === '6') {
      s.format = `ipv${version}`;
      return undefined;
    }
    return 'an IPv4 or IPv6 address';
  },
  min: (s, m) => {
    s.minimum = arg(m, 0) as number;
    return undefined;
  },
  max: (s, m) => {
    s.maximum = arg(m, 0) as number;
    return undefined;
  },
  isPositive: (s) => {
    s.exclusiveMinimum = 0;
    return undefined;
  },
  isNegative: (s) => {
    s.exclusiveMaximum = 0;
    return undefined;
  },
  isDivisibleBy: (s, m) => {
    s.multipleOf = arg(m, 0) as number;
    return undefined;
  },
  minLength: (s, m) => {
    s.minLength = arg(m, 0) as number;
    return undefined;
  },
  maxLength: (s, m) => {
    s.maxLength = arg(m, 0) as number;
    return undefined;
  },
  isLength: (s, m) => {
    const min = arg(m, 0) as number | undefined;
    const max = arg(m, 1) as number | undefined;
    if (min !== undefined) s.minLength = min;
    if (max !== undefined) s.maxLength = max;
    return undefined;
  },
  isNotEmpty: (s) => {
    if (s.type === 'string' || s.type === undefined) s.minLength = Math.max(s.minLength ?? 0, 1);
    return s.type === undefined || s.type === 'string' ? undefined : 'IsNotEmpty: not empty';
  },
  matches: (s, m) => {
    const pattern = arg(m, 0) as RegExp | string;
    const modifiers = arg(m, 1) as string | undefined;
    s.type = 'string';
    s.pattern = pattern instanceof RegExp ? pattern.source : pattern;
    const flags = pattern instanceof RegExp ? pattern.flags : (modifiers ?? '');
    return flags.replace(/[gy]/g, '') === '' ? undefined : `the pattern's flags "${flags}"`;
  },
  arrayMinSize: (s, m) => {
    s.minItems = arg(m, 0) as number;
    return undefined;
  },
  arrayMaxSize: (s, m) => {
    s.maxItems = arg(m, 0) as number;
    return undefined;
  },
  arrayNotEmpty: (s) => {
    s.minItems = Math.max(s.minItems ?? 0, 1);
    return undefined;
  },
  arrayUnique: (s, m) => {
    s.uniqueItems = true;
    return arg(m, 0) === undefined ? undefined : 'ArrayUnique by a selector';
  },
  isNotEmptyObject: (s) => {
    s.type = 'object';
    s.minProperties = 1;
    return undefined;
  },
  isDefined: () => undefined,
};

/** Names handled outside RULES (they shape the property, not its value). */
const STRUCTURAL = new Set(['isOptional']);

export class ClassSchemas {
  /** Schemas by component name, in the order first met. */
  readonly schemas: Record<string, JsonSchema> = {};
  private readonly names = new Map<Function, string>();
  private readonly transformer = transformerStorage();

  constructor(private readonly warn: (warning: AsyncApiWarning) => void) {}

  /** A `$ref` to the schema of `cls`, building it (and its nested classes) on first use. */
  ref(cls: Function): JsonSchema {
    let name = this.names.get(cls);
    if (name === undefined) {
      name = this.uniqueName(cls.name || 'Anonymous');
      this.names.set(cls, name);
      this.schemas[name] = {};
      this.schemas[name] = this.build(cls, name);
    }
    return { $ref: `#/components/schemas/${name}` };
  }

  /** Whether class-validator knows any constraint of `cls` (else it is not validated). */
  static validated(cls: Function): boolean {
    return getMetadataStorage().getTargetValidationMetadatas(cls, '', true, false).length > 0;
  }

  private uniqueName(base: string): string {
    const clean = base.replace(/[^\w.-]/g, '_');
    let name = clean;
    for (let n = 2; name in this.schemas; n++) name = `${clean}_${n}`;
    return name;
  }

  private build(cls: Function, name: string): JsonSchema {
    const storage = getMetadataStorage();
    const metadata = storage.getTargetValidationMetadatas(cls, '', true, false);
    const byProperty = storage.groupByPropertyName(metadata);
    const schema: JsonSchema = { type: 'object', title: name, properties: {} };
    const required: string[] = [];
    for (const [property, metas] of Object.entries(byProperty)) {
      if (property === '') continue;
      const where = `${name}.${property}`;
      const result = this.property(cls, property, metas, where);
      schema.properties![property] = result.schema;
      if (result.required) required.push(property);
    }
    if (required.length > 0) schema.required = required;
    return schema;
  }

  private property(
    cls: Function,
    property: string,
    metas: ValidationMetadata[],
    where: string,
  ): { schema: JsonSchema; required: boolean } {
    const designType: unknown = Reflect.getMetadata('design:type', cls.prototype, property);
    const notes: string[] = [];
    let optional = false;
    const isArray =
      designType === Array ||
      metas.some((m) => m.each || m.name === 'isArray' || m.name?.startsWith('array') === true);
    const outer: JsonSchema = {};
    const item: JsonSchema = {};
    let nested = false;
    for (const meta of metas) {
      if (meta.type === 'conditionalValidation') {
        optional = true;
        if (meta.name !== 'isOptional') notes.push('@ValidateIf: validated only when its condition holds');
        continue;
      }
      if (meta.type === 'nestedValidation') {
        nested = true;
        continue;
      }
      if (meta.type === 'whitelist' || meta.type === 'isDefined') continue;
      if (meta.type !== 'customValidation' || meta.name === undefined || STRUCTURAL.has(meta.name)) {
        if (meta.name !== 'isOptional') notes.push(`${decoratorName(meta)}: ${meta.type}`);
        continue;
      }
      const rule = RULES[meta.name];
      const target = meta.each && isArray ? item : outer;
      if (!rule) {
        notes.push(`${decoratorName(meta)}${meta.each ? ' (each)' : ''}`);
        continue;
      }
      const note = rule(target, meta);
      if (note) notes.push(`${decoratorName(meta)}: ${note}`);
    }
    const nestedType = this.nestedType(cls, property, designType);
    let schema: JsonSchema;
    if (isArray) {
      schema = { ...outer, type: 'array' };
      let items: JsonSchema = item;
      if (nested) {
        if (nestedType) items = { ...this.ref(nestedType), ...withoutType(item) };
        else notes.push('@ValidateNested on an array without @Type(() => Class): item type unknown');
      } else if (Object.keys(item).length === 0 && outer.type !== undefined && outer.type !== 'array') {
        // A value rule without `each` on an array property: class-validator applies it to the array.
        notes.push('a value constraint applied to the array itself');
      }
      if (Object.keys(items).length > 0) schema.items = items;
    } else if (nested) {
      if (nestedType) schema = { ...this.ref(nestedType), ...withoutType(outer) };
      else {
        schema = { ...outer, type: 'object' };
        notes.push('@ValidateNested without a class (design type or @Type): fields unknown');
      }
    } else {
      schema = outer;
      if (schema.type === undefined && schema.enum === undefined && schema.const === undefined) {
        const fromDesign = designSchema(designType);
        if (fromDesign) Object.assign(schema, fromDesign);
      }
    }
    if (schema.enum && schema.type === undefined) {
      const type = enumType(schema.enum);
      if (type) schema.type = type;
    }
    if (notes.length > 0) {
      schema['x-koa-mqtt-unexpressed'] = notes;
      for (const message of notes) this.warn({ where, message });
    }
    return { schema: refAlone(ordered(schema)), required: !optional };
  }

  /** The class of a nested property: `@Type(() => X)` first, else its design type if a class. */
  private nestedType(cls: Function, property: string, designType: unknown): Function | undefined {
    for (let target: unknown = cls; typeof target === 'function' && target !== Function.prototype; ) {
      const record = this.transformer?.findTypeMetadata(target as Function, property);
      if (record?.typeFunction) {
        const type = record.typeFunction();
        if (typeof type === 'function') return type;
      }
      target = Object.getPrototypeOf(target);
    }
    if (typeof designType === 'function' && !BUILT_IN.has(designType)) return designType;
    return undefined;
  }
}

const BUILT_IN = new Set<unknown>([
  Object,
  Array,
  String,
  Number,
  Boolean,
  Date,
  Promise,
  Buffer,
  Uint8Array,
]);

/** The one JSON type of an enum's values, if they share one. */
function enumType(values: readonly unknown[]): JsonSchema['type'] {
  if (values.length === 0) return undefined;
  if (values.every((v) => typeof v === 'string')) return 'string';
  if (values.every((v) => Number.isInteger(v))) return 'integer';
  if (values.every((v) => typeof v === 'number')) return 'number';
  return undefined;
}

/** Keys in reading order (decorators run bottom-up, so rules add them in reverse). */
const KEY_ORDER: ReadonlyArray<keyof JsonSchema> = [
  '$ref',
  'allOf',
  'type',
  'format',
  'enum',
  'const',
  'pattern',
  'minimum',
  'exclusiveMinimum',
  'maximum',
  'exclusiveMaximum',
  'multipleOf',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
  'uniqueItems',
  'minProperties',
  'items',
];

function ordered(schema: JsonSchema): JsonSchema {
  const sorted: Record<string, unknown> = {};
  for (const key of KEY_ORDER) if (schema[key] !== undefined) sorted[key] = schema[key];
  for (const [key, value] of Object.entries(schema)) if (!(key in sorted)) sorted[key] = value;
  if (schema.items) sorted.items = ordered(schema.items);
  return sorted as JsonSchema;
}

/** Draft-7 readers ignore a `$ref`'s siblings: a reference with more to say goes into `allOf`. */
function refAlone(schema: JsonSchema): JsonSchema {
  const { $ref, ...rest } = schema;
  if ($ref === undefined || Object.keys(rest).length === 0) return schema;
  return { allOf: [{ $ref }], ...rest };
}

function withoutType(schema: JsonSchema): JsonSchema {
  const { type: _type, ...rest } = schema;
  return rest;
}

/** The schema a property's TypeScript type alone gives, when no validator names a type. */
function designSchema(type: unknown): JsonSchema | undefined {
  if (type === String) return { type: 'string' };
  if (type === Number) return { type: 'number' };
  if (type === Boolean) return { type: 'boolean' };
  if (type === Date) return { type: 'string', format: 'date-time' };
  return undefined;
}

/** Decorators whose name is not their constraint's name with a capital first letter. */
const SPELLED: Record<string, string> = {
  isIso8601: 'IsISO8601',
  isUuid: 'IsUUID',
  isIp: 'IsIP',
  isFqdn: 'IsFQDN',
  isUrl: 'IsUrl',
  isLength: 'Length',
  conditionalValidation: 'ValidateIf',
};

/** The decorator as a user wrote it: `isEmail` → `@IsEmail`. */
function decoratorName(meta: ValidationMetadata): string {
  const name = meta.name ?? meta.type;
  return `@${SPELLED[name] ?? `${name[0]!.toUpperCase()}${name.slice(1)}`}`;
}

/** The values of an `@IsEnum(entity)`: class-validator keeps them as the second constraint. */
function enumValues(constraints: unknown[]): unknown[] {
  if (Array.isArray(constraints[1])) return [...constraints[1]];
  const entity = constraints[0] as Record<string, unknown>;
  return Object.entries(entity)
    .filter(([key]) => Number.isNaN(Number.parseInt(key, 10)))
    .map(([, value]) => value);
}
