/**
 * class-validator's `validateSync(instance, options)` for planned classes: the same checks in
 * the same order, and the same `ValidationError` tree (empty errors stripped as class-validator
 * strips them). The valid path allocates nothing: a property's error is made only when one of
 * its constraints fails or a nested object has errors.
 */
import { type ValidationArguments, ValidationError, type ValidatorOptions } from 'class-validator';
import { internals } from './library.js';
import type { Check, ClassPlan, Metadata, PropertyPlan } from './plan.js';
import { DEOPT } from './transform.js';

type Obj = Record<string, unknown>;

/** Options read on every message, resolved once. */
export interface Settings {
  readonly forbidUnknownValues: boolean;
  readonly whitelist: boolean;
  readonly forbidNonWhitelisted: boolean;
  readonly skipUndefined: boolean;
  readonly skipNull: boolean;
  readonly skipMissing: boolean;
  readonly stopAtFirstError: boolean;
  readonly dismissDefaultMessages: boolean;
  readonly withTarget: boolean;
  readonly withValue: boolean;
}

export function settingsOf(options: ValidatorOptions | undefined): Settings {
  const o = options ?? {};
  const errors = o.validationError;
  return {
    forbidUnknownValues: o.forbidUnknownValues === undefined || o.forbidUnknownValues !== false,
    whitelist: o.whitelist === true || (o.whitelist !== undefined && Boolean(o.whitelist)),
    forbidNonWhitelisted: Boolean(o.forbidNonWhitelisted),
    skipUndefined: o.skipUndefinedProperties === true,
    skipNull: o.skipNullProperties === true,
    skipMissing: o.skipMissingProperties === true,
    stopAtFirstError: Boolean(o.stopAtFirstError),
    dismissDefaultMessages: Boolean(o.dismissDefaultMessages),
    withTarget: !errors || errors.target === undefined || errors.target === true,
    withValue: !errors || errors.value === undefined || errors.value === true,
  };
}

/** Validates objects whose classes are in `plans`; `Object` and other undecorated classes have no metadata. */
export class CompiledValidator {
  constructor(
    private readonly plans: ReadonlyMap<Function, ClassPlan>,
    private readonly s: Settings,
    /** class-validator's class, from the module `MqttApp.start()` loaded. */
    private readonly ValidationError: new () => ValidationError,
  ) {}

  /** The errors `validateSync(object, options)` returns. */
  validate(object: object): ValidationError[] {
    const errors: ValidationError[] = [];
    this.execute(object as Obj, errors);
    return errors;
  }

  private execute(object: Obj, errors: ValidationError[]): void {
    const plan = this.plans.get(object.constructor as Function);
    if (plan === undefined) {
      if (object.constructor !== Object && !(object instanceof Date)) throw DEOPT;
      this.noMetadata(object, errors);
      return;
    }
    if (plan.metadataCount === 0) {
      this.noMetadata(object, errors);
      return;
    }
    if (this.s.whitelist) this.whitelist(object, plan.known, errors);
    const properties = plan.properties;
    for (let i = 0; i < properties.length; i++) {
      const property = properties[i]!;
      this.property(object, object[property.name], property, errors);
    }
  }

  private noMetadata(object: Obj, errors: ValidationError[]): void {
    if (this.s.forbidUnknownValues) {
      const error = new this.ValidationError();
      if (this.s.withTarget) error.target = object;
      error.value = undefined;
      (error as { property: unknown }).property = undefined;
      error.children = [];
      error.constraints = { unknownValue: 'an unknown value was passed to the validate function' };
      errors.push(error);
      return;
    }
    if (this.s.whitelist) this.whitelist(object, NONE, errors);
  }

  private whitelist(object: Obj, known: ReadonlySet<string>, errors: ValidationError[]): void {
    for (const key of Object.keys(object)) {
      if (known.has(key)) continue;
      if (this.s.forbidNonWhitelisted) {
        const error = this.error(object, object[key], key);
        error.constraints = { whitelistValidation: `property ${key} should not exist` };
        error.children = undefined as unknown as ValidationError[];
        errors.push(error);
      } else {
        delete object[key];
      }
    }
  }

  private error(object: object, value: unknown, property: string): ValidationError {
    const error = new this.ValidationError();
    if (this.s.withTarget) error.target = object;
    if (this.s.withValue) error.value = value;
    error.property = property;
    error.children = [];
    error.constraints = {};
    return error;
  }

  /** class-validator's `performValidations`, building the error only if there is something in it. */
  private property(object: Obj, value: unknown, plan: PropertyPlan, errors: ValidationError[]): void {
    if (plan.optional && (value === null || value === undefined)) return;
    let constraints: Record<string, string> | undefined;
    const s = this.s;
    for (const check of plan.defined) {
      if (s.stopAtFirstError && constraints !== undefined) break;
      if (!passes(check, value))
        constraints = add(constraints, check.key, this.message(object, value, check.metadata, check));
    }
    let children: ValidationError[] | undefined;
    const skipped =
      (value === undefined && s.skipUndefined) ||
      (value === null && s.skipNull) ||
      ((value === null || value === undefined) && s.skipMissing);
    if (!skipped) {
      for (const check of plan.checks) {
        if (s.stopAtFirstError && constraints !== undefined) break;
        if (!passes(check, value))
          constraints = add(constraints, check.key, this.message(object, value, check.metadata, check));
      }
      const nested = plan.nested;
      if (nested !== undefined && value !== undefined && !(s.stopAtFirstError && constraints !== undefined)) {
        if (Array.isArray(value)) {
          children = [];
          for (let i = 0; i < value.length; i++) this.element(value, value[i], String(i), nested, children);
        } else if (value instanceof Object) {
          children = [];
          this.execute(value as Obj, children);
        } else {
          constraints = add(
            constraints,
            nested.type,
            this.message(nested.target as object, value, nested, undefined),
          );
        }
      }
    }
    if (constraints === undefined && (children === undefined || children.length === 0)) return;
    const error = this.error(object, value, plan.name);
    if (children !== undefined) error.children = children;
    if (constraints !== undefined) error.constraints = constraints;
    else delete (error as { constraints?: unknown }).constraints;
    errors.push(error);
  }

  /** An element of an array under `@ValidateNested()`: `performValidations(array, element, index, [], [nested])`. */
  private element(
    array: unknown[],
    value: unknown,
    index: string,
    nested: Metadata,
    errors: ValidationError[],
  ): void {
    const s = this.s;
    if (value === undefined && s.skipUndefined) return;
    if (value === null && s.skipNull) return;
    if ((value === null || value === undefined) && s.skipMissing) return;
    if (value === undefined) return;
    let constraints: Record<string, string> | undefined;
    let children: ValidationError[] | undefined;
    if (Array.isArray(value)) {
      children = [];
      for (let i = 0; i < value.length; i++) this.element(value, value[i], String(i), nested, children);
    } else if (value instanceof Object) {
      children = [];
      this.execute(value as Obj, children);
    } else {
      constraints = { [nested.type]: this.message(nested.target as object, value, nested, undefined) };
    }
    if (constraints === undefined && (children === undefined || children.length === 0)) return;
    const error = this.error(array, value, index);
    if (children !== undefined) error.children = children;
    if (constraints !== undefined) error.constraints = constraints;
    else delete (error as { constraints?: unknown }).constraints;
    errors.push(error);
  }

  /** class-validator's `createValidationError` message. */
  private message(object: object, value: unknown, metadata: Metadata, check: Check | undefined): string {
    const args: ValidationArguments = {
      targetName: (object.constructor as Function | undefined)?.name as string,
      property: metadata.propertyName,
      object,
      value,
      constraints: metadata.constraints,
    };
    let message: unknown = metadata.message || '';
    if (!metadata.message && !this.s.dismissDefaultMessages) {
      const instance = check?.constraint.instance;
      if (instance !== undefined && instance.defaultMessage instanceof Function)
        message = instance.defaultMessage(args);
    }
    return internals().format!(message, args);
  }
}

const NONE: ReadonlySet<string> = new Set();

/** `constraints[key] = message`, making the record on the first failure. */
function add(
  constraints: Record<string, string> | undefined,
  key: string,
  message: string,
): Record<string, string> {
  const record = constraints ?? {};
  record[key] = message;
  return record;
}

function passes(check: Check, value: unknown): boolean {
  const instance = check.constraint.instance;
  if (check.each && Array.isArray(value)) {
    let all = true;
    for (let i = 0; i < value.length; i++) if (!instance.validate(value[i], check.args)) all = false;
    return all;
  }
  return Boolean(instance.validate(value, check.args));
}
