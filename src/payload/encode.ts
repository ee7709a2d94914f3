import { MqttError } from '../errors.js';

/** What a value becomes on the wire, and the MQTT 5 content type it implies. */
export interface EncodedPayload {
  readonly payload: Buffer | string;
  readonly contentType: string | undefined;
}

const EMPTY = Buffer.alloc(0);

/**
 * Encodes a value for PUBLISH, symmetric with `@Payload()` decoding: `Buffer` and typed arrays
 * raw, strings UTF-8, numbers, booleans and bigints as text, `null`/`undefined` empty, anything
 * else (objects, arrays) JSON with content type `application/json`. A value JSON cannot take
 * (a function, a symbol, a cycle, a bigint inside an object) throws `MqttError` `ERR_MQTT_ENCODE`.
 */
export function encodePayload(value: unknown): EncodedPayload {
  if (value === undefined || value === null) return { payload: EMPTY, contentType: undefined };
  if (typeof value === 'string') return { payload: value, contentType: undefined };
  if (Buffer.isBuffer(value)) return { payload: value, contentType: undefined };
  if (ArrayBuffer.isView(value)) {
    return { payload: Buffer.from(value.buffer, value.byteOffset, value.byteLength), contentType: undefined };
  }
  if (value instanceof ArrayBuffer) return { payload: Buffer.from(value), contentType: undefined };
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return { payload: String(value), contentType: undefined };
  }
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (error) {
    throw new MqttError(`Cannot encode the payload as JSON: ${(error as Error).message}`, 'ERR_MQTT_ENCODE', {
      cause: error,
    });
  }
  if (json === undefined)
    throw new MqttError(`Cannot encode a ${typeof value} as a payload`, 'ERR_MQTT_ENCODE');
  return { payload: json, contentType: 'application/json' };
}
