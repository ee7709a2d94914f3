/**
 * Which class-validator constraints and options the compiled path reproduces exactly, and the
 * reason it gives up on a class. Everything else goes to class-validator itself.
 */
import {
  ARRAY_CONTAINS,
  ARRAY_MAX_SIZE,
  ARRAY_MIN_SIZE,
  ARRAY_NOT_CONTAINS,
  ARRAY_NOT_EMPTY,
  ARRAY_UNIQUE,
  CONTAINS,
  EQUALS,
  IS_ALPHANUMERIC,
  IS_ARRAY,
  IS_BOOLEAN,
  IS_DATE,
  IS_DATE_STRING,
  IS_DEFINED,
  IS_EMAIL,
  IS_EMPTY,
  IS_ENUM,
  IS_HEXADECIMAL,
  IS_IN,
  IS_INT,
  IS_ISO8601,
  IS_LENGTH,
  IS_NEGATIVE,
  IS_NOT_EMPTY,
  IS_NOT_IN,
  IS_NUMBER,
  IS_NUMBER_STRING,
  IS_OBJECT,
  IS_POSITIVE,
  IS_STRING,
  IS_URL,
  IS_UUID,
  MATCHES,
  MAX,
  MAX_LENGTH,
  MIN,
  MIN_LENGTH,
  NOT_CONTAINS,
  NOT_EQUALS,
} from 'class-validator';

/**
 * class-validator's own decorators whose `validate` reads nothing but the value and
 * `args.constraints` (checked in class-validator 0.14's sources), so they can be called with
 * arguments built once at bootstrap. Keyed by the constraint's registered name.
 */
export const BUILT_IN_CONSTRAINTS: ReadonlySet<string> = new Set([
  IS_DEFINED,
  IS_STRING,
  IS_NUMBER,
  IS_INT,
  IS_BOOLEAN,
  IS_DATE,
  IS_ENUM,
  IS_IN,
  IS_NOT_IN,
  IS_ARRAY,
  IS_OBJECT,
  IS_NOT_EMPTY,
  IS_EMPTY,
  EQUALS,
  NOT_EQUALS,
  MIN,
  MAX,
  IS_POSITIVE,
  IS_NEGATIVE,
  MIN_LENGTH,
  MAX_LENGTH,
  IS_LENGTH,
  MATCHES,
  CONTAINS,
  NOT_CONTAINS,
  IS_EMAIL,
  IS_UUID,
  IS_URL,
  IS_ISO8601,
  IS_DATE_STRING,
  IS_NUMBER_STRING,
  IS_ALPHANUMERIC,
  IS_HEXADECIMAL,
  ARRAY_MIN_SIZE,
  ARRAY_MAX_SIZE,
  ARRAY_NOT_EMPTY,
  ARRAY_UNIQUE,
  ARRAY_CONTAINS,
  ARRAY_NOT_CONTAINS,
]);

/** Why a class is left to class-transformer and class-validator (logged once, at debug level). */
export class Unsupported {
  constructor(readonly reason: string) {}
}
