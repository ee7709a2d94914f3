import { MqttError } from '../errors.js';
import { importOptional } from '../optional-import.js';

/**
 * class-transformer and class-validator, loaded only by apps with a DTO `@Payload()` parameter:
 * importing class-validator takes longer than the rest of koa-mqtt (it loads validator.js and
 * libphonenumber-js), and both are optional peer dependencies. `MqttApp.start()` loads them
 * before it compiles handlers; the decoders then use them synchronously, per message.
 */
export interface DtoModules {
  readonly transformer: typeof import('class-transformer');
  readonly validator: typeof import('class-validator');
}

let loaded: DtoModules | undefined;
let loading: Promise<DtoModules> | undefined;

/** Loads both packages once; rejects with an `MqttError` telling what to install when one is missing. */
export function loadDtoModules(): Promise<DtoModules> {
  loading ??= (async () => {
    const feature = 'DTO classes in @Payload() (class-transformer and class-validator)';
    const [transformer, validator] = await Promise.all([
      importOptional('class-transformer', feature, () => import('class-transformer')),
      importOptional('class-validator', feature, () => import('class-validator')),
    ]);
    loaded = { transformer, validator };
    return loaded;
  })();
  loading.catch(() => {
    loading = undefined;
  });
  return loading;
}

/** The loaded packages; throws when {@link loadDtoModules} has not finished (a bug of ours). */
export function dtoModules(): DtoModules {
  if (!loaded) {
    throw new MqttError(
      'class-transformer and class-validator are not loaded yet: DTO handlers are compiled by MqttApp.start(), which loads them first',
    );
  }
  return loaded;
}
