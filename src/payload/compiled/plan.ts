/**
 * A DTO class's class-transformer and class-validator metadata, read once at bootstrap into the
 * plan the compiled transformer and validator follow. The metadata lists are the libraries' own
 * answers (`getTargetValidationMetadatas` with the same options class-validator passes, which
 * covers inheritance and groups), grouped and ordered exactly as class-validator groups them.
 */
import type { ValidationArguments, ValidatorOptions } from 'class-validator';
import { internals } from './library.js';
import { BUILT_IN_CONSTRAINTS, Unsupported } from './support.js';

/** The class-validator metadata fields the compiled path reads. */
export interface Metadata {
  readonly type: string;
  readonly name?: string;
  readonly target: Function | string;
  readonly propertyName: string;
  readonly constraints: unknown[];
  readonly constraintCls: Function;
  readonly message?: string | ((args: ValidationArguments) => string);
  readonly each?: boolean;
  readonly context?: unknown;
}

interface ConstraintRecord {
  readonly name: string;
  readonly async: boolean;
  readonly instance: {
    validate(value: unknown, args?: ValidationArguments): unknown;
    defaultMessage?(args?: ValidationArguments): string;
  };
}

/** One constraint of a property, ready to call. */
export interface Check {
  readonly metadata: Metadata;
  readonly constraint: ConstraintRecord;
  /** `constraint.name || metadata.type`: the key in `ValidationError.constraints`. */
  readonly key: string;
  readonly each: boolean;
  /** Arguments built once: class-validator's built-ins read only `constraints` from them. */
  readonly args: ValidationArguments;
}

export interface PropertyPlan {
  readonly name: string;
  readonly optional: boolean;
  readonly defined: readonly Check[];
  readonly checks: readonly Check[];
  /** The `@ValidateNested()` record, if any. */
  readonly nested: Metadata | undefined;
}

/** How class-transformer turns a property's value: its `@Type()` target and declared type. */
export interface TypeRef {
  readonly to: Function;
  /** `design:type` of the property: the array class class-transformer instantiates for arrays. */
  readonly arrayType: Function | undefined;
}

export interface ClassPlan {
  readonly target: Function;
  /** Keys class-transformer never assigns: own properties of the prototype without a setter. */
  readonly protoSkip: ReadonlySet<string>;
  readonly types: ReadonlyMap<string, TypeRef>;
  /** How many validation metadatas apply (0: class-validator's "unknown value"). */
  readonly metadataCount: number;
  readonly known: ReadonlySet<string>;
  readonly properties: readonly PropertyPlan[];
}

const PRIMITIVE_TYPES: ReadonlySet<unknown> = new Set([String, Number, Boolean, Date]);
const IS_OPTIONAL = 'isOptional';
const OBJECT_PROTO_NAMES: ReadonlySet<string> = new Set(Object.getOwnPropertyNames(Object.prototype));

/** Plans per validation options (their groups decide the metadata lists) and class. */
export class Planner {
  private readonly plans = new Map<Function, ClassPlan | Unsupported>();

  constructor(
    private readonly options: ValidatorOptions | undefined,
    private readonly storage: ReturnType<typeof import('class-validator').getMetadataStorage>,
  ) {}

  /** The plan of `target`, or why it cannot be compiled (including a class it nests). */
  plan(target: Function): ClassPlan | Unsupported {
    const known = this.plans.get(target);
    if (known !== undefined) return known;
    const plan = this.build(target);
    if (plan instanceof Unsupported) this.plans.set(target, plan);
    return plan;
  }

  /** Plans of every class reachable from `target` (nested `@Type()` classes), or the first reason. */
  closure(target: Function): Map<Function, ClassPlan> | Unsupported {
    const seen = new Map<Function, ClassPlan>();
    const stack = [target];
    while (stack.length > 0) {
      const next = stack.pop()!;
      if (seen.has(next)) continue;
      const plan = this.plan(next);
      if (plan instanceof Unsupported) {
        return next === target ? plan : new Unsupported(`nested ${next.name}: ${plan.reason}`);
      }
      seen.set(next, plan);
      for (const ref of plan.types.values()) if (!PRIMITIVE_TYPES.has(ref.to)) stack.push(ref.to);
    }
    return seen;
  }

  private build(target: Function): ClassPlan | Unsupported {
    const transform = this.transformPart(target);
    if (transform instanceof Unsupported) return transform;
    const validate = this.validatePart(target);
    if (validate instanceof Unsupported) return validate;
    const plan: ClassPlan = { target, ...transform, ...validate };
    this.plans.set(target, plan);
    return plan;
  }

  private transformPart(target: Function): Pick<ClassPlan, 'protoSkip' | 'types'> | Unsupported {
    const storage = internals().storage;
    if (storage === undefined) return new Unsupported('class-transformer internals not recognised');
    if (storage.getStrategy(target) !== 'none') return new Unsupported('class-level @Expose/@Exclude');
    if (storage.getExposedMetadatas(target).length > 0) return new Unsupported('@Expose');
    if (storage.getExcludedMetadatas(target).length > 0) return new Unsupported('@Exclude');
    const lineage = [target, ...storage.getAncestors(target)];
    for (const cls of lineage) {
      if ((storage._transformMetadatas.get(cls)?.size ?? 0) > 0) return new Unsupported('@Transform');
      const prototype = (cls as { prototype?: object }).prototype;
      if (prototype === undefined) continue;
      for (const key of Reflect.ownKeys(prototype)) {
        const descriptor = Object.getOwnPropertyDescriptor(prototype, key)!;
        if (descriptor.get !== undefined || descriptor.set !== undefined) {
          return new Unsupported(`accessor ${String(key)} on ${cls.name}`);
        }
      }
    }
    const protoSkip = new Set<string>();
    const ownPrototype = (target as { prototype: object }).prototype;
    for (const key of Object.getOwnPropertyNames(ownPrototype)) protoSkip.add(key);
    const types = new Map<string, TypeRef>();
    // Ancestors first, so that the class's own `@Type()` wins, as `findTypeMetadata` does.
    for (const cls of [...lineage].reverse()) {
      for (const [property, record] of storage._typeMetadatas.get(cls) ?? []) {
        if (record.options?.discriminator !== undefined)
          return new Unsupported(`@Type discriminator on ${property}`);
        if (record.typeFunction === undefined || record.typeFunction.length > 0) {
          return new Unsupported(`@Type on ${property} depends on the value`);
        }
        const to = record.typeFunction();
        if (typeof to !== 'function') return new Unsupported(`@Type on ${property} is not a class`);
        if (to === Object || to === Buffer || to === Map || to === Set || to === Array) {
          return new Unsupported(`@Type(() => ${(to as Function).name}) on ${property}`);
        }
        const declared = record.reflectedType;
        if (declared === Map || declared === Set)
          return new Unsupported(`${property} is declared a ${(declared as Function).name}`);
        types.set(property, {
          to: to as Function,
          arrayType: typeof declared === 'function' ? (declared as Function) : undefined,
        });
      }
    }
    return { protoSkip, types };
  }

  private validatePart(
    target: Function,
  ): Pick<ClassPlan, 'metadataCount' | 'known' | 'properties'> | Unsupported {
    const options = this.options;
    const metadatas = this.storage.getTargetValidationMetadatas(
      target,
      '',
      options?.always ?? false,
      options?.strictGroups ?? false,
      options?.groups,
    ) as unknown as Metadata[];
    const grouped: Record<string, Metadata[]> = {};
    for (const metadata of metadatas) {
      const name = metadata.propertyName;
      if (OBJECT_PROTO_NAMES.has(name)) return new Unsupported(`property named ${name}`);
      if (metadata.context !== undefined) return new Unsupported(`context on ${name}`);
      // biome-ignore lint/suspicious/noAssignInExpressions: grouping as class-validator does
      (grouped[name] ??= []).push(metadata);
    }
    const properties: PropertyPlan[] = [];
    for (const name of Object.keys(grouped)) {
      const planned = this.property(name, grouped[name]!);
      if (planned instanceof Unsupported) return planned;
      properties.push(planned);
    }
    return { metadataCount: metadatas.length, known: new Set(Object.keys(grouped)), properties };
  }

  private property(name: string, metadatas: readonly Metadata[]): PropertyPlan | Unsupported {
    const defined: Check[] = [];
    const checks: Check[] = [];
    let nested: Metadata | undefined;
    let optional = false;
    for (const metadata of metadatas) {
      switch (metadata.type) {
        case 'whitelistValidation':
          break;
        case 'conditionalValidation':
          if (metadata.name !== IS_OPTIONAL) return new Unsupported(`@ValidateIf on ${name}`);
          optional = true;
          break;
        case 'nestedValidation':
          if (nested !== undefined) return new Unsupported(`two @ValidateNested on ${name}`);
          nested = metadata;
          break;
        case 'isDefined':
        case 'customValidation': {
          const check = this.check(name, metadata);
          if (check instanceof Unsupported) return check;
          (metadata.type === 'isDefined' ? defined : checks).push(check);
          break;
        }
        default:
          return new Unsupported(`${metadata.type} on ${name}`);
      }
    }
    return { name, optional, defined, checks, nested };
  }

  private check(property: string, metadata: Metadata): Check | Unsupported {
    const constraints = this.storage.getTargetValidatorConstraints(
      metadata.constraintCls,
    ) as unknown as Array<{
      name: string;
      async: boolean;
      instance: ConstraintRecord['instance'];
    }>;
    if (constraints.length !== 1) return new Unsupported(`custom constraint on ${property}`);
    const [record] = constraints as [ConstraintRecord];
    if (record.async) return new Unsupported(`async constraint ${record.name} on ${property}`);
    if (!BUILT_IN_CONSTRAINTS.has(record.name)) {
      return new Unsupported(
        `custom constraint ${record.name || metadata.constraintCls.name} on ${property}`,
      );
    }
    const constraint: ConstraintRecord = {
      name: record.name,
      async: record.async,
      instance: record.instance,
    };
    return {
      metadata,
      constraint,
      key: record.name || metadata.type,
      each: metadata.each === true,
      args: {
        targetName: '',
        property: metadata.propertyName,
        object: {},
        value: undefined,
        constraints: metadata.constraints,
      },
    };
  }
}
