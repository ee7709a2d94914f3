import type { ClassSchemas } from './class-schema.js';
import type { AsyncApiMessage } from './document.js';
import type { AsyncApiWarning } from './json-schema.js';

/** How a payload is declared: the TypeScript type a handler or publisher names, and how it is read. */
export interface DeclaredPayload {
  /** `design:paramtypes` of the `@Payload()` parameter, a publisher's `payload`, a reply type. */
  readonly type: unknown;
  /** A custom decoder reads it (its format is the decoder's business). */
  readonly decoder?: boolean;
  /** class-validator validates it (a DTO with constraints, validation on). */
  readonly validated: boolean;
}

const PLAIN = new Set<unknown>([undefined, Object, Promise]);

/**
 * The AsyncAPI message for a declared payload, keyed by a name (`TemperatureDto`, `Text`…),
 * symmetric with how `@Payload()` decodes and `publish` encodes: DTO classes and plain
 * objects JSON, `String` UTF-8 text, `Number`/`Boolean` as text, `Buffer` raw bytes.
 */
export function payloadMessage(
  declared: DeclaredPayload | undefined,
  schemas: ClassSchemas,
  warn: (warning: AsyncApiWarning) => void,
  where: string,
): { key: string; message: AsyncApiMessage } {
  const note = (text: string) => {
    warn({ where, message: text });
    return [text];
  };
  if (!declared) {
    return {
      key: 'Undeclared',
      message: {
        name: 'Undeclared',
        summary: 'Payload not declared (no @Payload() parameter or payload option)',
        'x-koa-mqtt-unexpressed': note('payload not declared'),
      },
    };
  }
  const { type } = declared;
  if (declared.decoder) {
    return {
      key: 'Decoded',
      message: {
        name: 'Decoded',
        summary: 'Read by a custom decoder',
        payload: {},
        'x-koa-mqtt-unexpressed': note('a custom decoder reads the payload: its format is not described'),
      },
    };
  }
  if (type === Buffer || type === Uint8Array) {
    return {
      key: 'Binary',
      message: {
        name: 'Binary',
        summary: 'Raw bytes',
        contentType: 'application/octet-stream',
        payload: { type: 'string', format: 'binary' },
      },
    };
  }
  if (type === String) {
    return {
      key: 'Text',
      message: {
        name: 'Text',
        summary: 'UTF-8 text',
        contentType: 'text/plain',
        payload: { type: 'string' },
      },
    };
  }
  if (type === Number) {
    return {
      key: 'Number',
      message: {
        name: 'Number',
        summary: 'A finite number as text, e.g. 21.5',
        contentType: 'text/plain',
        payload: { type: 'number' },
      },
    };
  }
  if (type === Boolean) {
    return {
      key: 'Boolean',
      message: {
        name: 'Boolean',
        summary: 'true, false, 1 or 0 as text',
        contentType: 'text/plain',
        payload: { type: 'boolean' },
      },
    };
  }
  if (type === Array) {
    return {
      key: 'JsonArray',
      message: {
        name: 'JsonArray',
        summary: 'A JSON array',
        contentType: 'application/json',
        payload: { type: 'array' },
        'x-koa-mqtt-unexpressed': note('declared as an array: the item type is not known at run time'),
      },
    };
  }
  if (PLAIN.has(type) || typeof type !== 'function') {
    return {
      key: 'Json',
      message: {
        name: 'Json',
        summary: 'Any JSON value',
        contentType: 'application/json',
        payload: {},
        'x-koa-mqtt-unexpressed': note(
          'declared as an interface, a type alias or unknown: any JSON (use a class for a schema)',
        ),
      },
    };
  }
  const name = (type as Function).name || 'Anonymous';
  if (!declared.validated) {
    return {
      key: name,
      message: {
        name,
        contentType: 'application/json',
        payload: { type: 'object', title: name },
        'x-koa-mqtt-unexpressed': note(
          `${name} is not validated (no class-validator constraints, or validation off): its fields are not described`,
        ),
      },
    };
  }
  return {
    key: name,
    message: { name, contentType: 'application/json', payload: schemas.ref(type as Function) },
  };
}
