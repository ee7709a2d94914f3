import { MqttDefinitionError } from '../errors.js';

/** Decorated members must have string names: they are named in logs, errors and metrics. */
export function methodName(target: object, key: string | symbol | undefined, decorator: string): string {
  if (typeof key !== 'string') {
    const owner = (target as { constructor?: { name?: string } }).constructor?.name ?? 'class';
    throw new MqttDefinitionError(
      `${decorator} on ${owner}: only methods with string names can be decorated`,
    );
  }
  return key;
}
