/**
 * Which class-validator constraints and options the compiled path reproduces exactly, and the
 * reason it gives up on a class. Everything else goes to class-validator itself.
 */

/**
 * class-validator's own decorators whose `validate` reads nothing but the value and
 * `args.constraints` (checked in class-validator 0.14's sources; the names are its `IS_STRING`… constants, written out so that this module does not load class-validator), so they can be called with
 * arguments built once at bootstrap. Keyed by the constraint's registered name.
 */
export const BUILT_IN_CONSTRAINTS: ReadonlySet<string> = new Set([
  'isDefined',
  'isString',
  'isNumber',
  'isInt',
  'isBoolean',
  'isDate',
  'isEnum',
  'isIn',
  'isNotIn',
  'isArray',
  'isObject',
  'isNotEmpty',
  'isEmpty',
  'equals',
  'notEquals',
  'min',
  'max',
  'isPositive',
  'isNegative',
  'minLength',
  'maxLength',
  'isLength',
  'matches',
  'contains',
  'notContains',
  'isEmail',
  'isUuid',
  'isUrl',
  'isIso8601',
  'isDateString',
  'isNumberString',
  'isAlphanumeric',
  'isHexadecimal',
  'arrayMinSize',
  'arrayMaxSize',
  'arrayNotEmpty',
  'arrayUnique',
  'arrayContains',
  'arrayNotContains',
]);

/** Why a class is left to class-transformer and class-validator (logged once, at debug level). */
export class Unsupported {
  constructor(readonly reason: string) {}
}
