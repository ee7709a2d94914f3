/**
 * Compiled DTO decoding: at bootstrap, a DTO class's class-transformer and class-validator
 * metadata become one function that builds the instance `plainToInstance` would and returns
 * the errors `validateSync` would. Classes using anything not reproduced exactly are left to
 * the libraries (`Unsupported` says why); a payload that reaches a case decided only at run
 * time throws `DEOPT`, and the caller hands that one message to the libraries.
 */
import type { ValidationError, ValidatorOptions } from 'class-validator';
import { internals } from './library.js';
import { Planner } from './plan.js';
import { Unsupported } from './support.js';
import { toInstance } from './transform.js';
import { CompiledValidator, settingsOf } from './validate.js';

export { Unsupported } from './support.js';
export { DEOPT } from './transform.js';

/** The instance and, when validating, its errors (empty when valid). */
export interface Decoded {
  readonly instance: object;
  readonly errors: ValidationError[];
}

/** Decodes a parsed JSON object (no `__proto__` keys, depth checked) into a DTO instance. */
export type CompiledDto = (plain: Record<string, unknown>) => Decoded;

const NO_ERRORS: ValidationError[] = [];
const planners = new Map<string, Planner>();
type ClassValidator = typeof import('class-validator');

function plannerFor(validatorModule: ClassValidator, options: ValidatorOptions | undefined): Planner {
  const key = JSON.stringify([
    options?.always ?? false,
    options?.strictGroups ?? false,
    options?.groups ?? null,
  ]);
  let planner = planners.get(key);
  if (planner === undefined) {
    planner = new Planner(options, validatorModule.getMetadataStorage());
    planners.set(key, planner);
  }
  return planner;
}

/**
 * The compiled decoder of `dto` (validating with `validator`, or only transforming when it is
 * undefined), or why there is none. `validatorModule`: class-validator as `MqttApp.start()` loaded it.
 */
export function compileDto(
  validatorModule: ClassValidator,
  dto: Function,
  validator: ValidatorOptions | undefined,
): CompiledDto | Unsupported {
  if (internals().format === undefined) return new Unsupported('class-validator internals not recognised');
  if (typeof validator?.validationError === 'object' && validator.validationError === null) {
    return new Unsupported('validationError: null');
  }
  const plans = plannerFor(validatorModule, validator).closure(dto);
  if (plans instanceof Unsupported) return plans;
  const plan = plans.get(dto)!;
  if (validator === undefined)
    return (plain) => ({ instance: toInstance(plan, plain, plans), errors: NO_ERRORS });
  const checker = new CompiledValidator(plans, settingsOf(validator), validatorModule.ValidationError);
  return (plain) => {
    const instance = toInstance(plan, plain, plans);
    const errors = checker.validate(instance);
    return { instance, errors: errors.length === 0 ? NO_ERRORS : errors };
  };
}
