/**
 * The parts of class-validator and class-transformer the compiled path reads at bootstrap:
 * their public metadata storages, and two internals that are not exported from the packages'
 * entry points (class-transformer's decorator storage, class-validator's message formatter),
 * loaded from the same CommonJS modules the packages use, so there is one copy of each.
 */
import { createRequire } from 'node:module';
import type { ValidationArguments } from 'class-validator';

const require = createRequire(import.meta.url);

/** One `@Type()` record of class-transformer. */
export interface TypeRecord {
  readonly target: Function;
  readonly propertyName: string;
  readonly reflectedType: unknown;
  readonly typeFunction: ((options?: unknown) => unknown) | undefined;
  readonly options:
    | { readonly discriminator?: unknown; readonly keepDiscriminatorProperty?: boolean }
    | undefined;
}

/** What the compiled path needs of class-transformer's `defaultMetadataStorage` (0.5.x). */
export interface TransformerStorage {
  readonly _typeMetadatas: Map<Function, Map<string, TypeRecord>>;
  readonly _transformMetadatas: Map<Function, Map<string, unknown[]>>;
  getStrategy(target: Function): string;
  getExposedMetadatas(target: Function): unknown[];
  getExcludedMetadatas(target: Function): unknown[];
  getAncestors(target: Function): Function[];
}

type Formatter = (message: unknown, args: ValidationArguments) => string;

function load(): { storage: TransformerStorage | undefined; format: Formatter | undefined } {
  try {
    const storage = (
      require('class-transformer/cjs/storage.js') as { defaultMetadataStorage: TransformerStorage }
    ).defaultMetadataStorage;
    const utils = require('class-validator/cjs/validation/ValidationUtils.js') as {
      ValidationUtils: { replaceMessageSpecialTokens: Formatter };
    };
    const usable =
      storage._typeMetadatas instanceof Map &&
      storage._transformMetadatas instanceof Map &&
      typeof storage.getAncestors === 'function';
    return {
      storage: usable ? storage : undefined,
      format: utils.ValidationUtils.replaceMessageSpecialTokens.bind(utils.ValidationUtils),
    };
  } catch {
    return { storage: undefined, format: undefined };
  }
}

let loaded: ReturnType<typeof load> | undefined;

/**
 * class-transformer's decorator storage (undefined when its layout is not the one known here)
 * and class-validator's `$property` / `$constraint1` / `$value` / `$target` substitution.
 * Loaded on first use, at bootstrap: importing koa-mqtt does not load either package.
 */
export function internals(): { storage: TransformerStorage | undefined; format: Formatter | undefined } {
  loaded ??= load();
  return loaded;
}
