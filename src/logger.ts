import { PayloadValidationError } from './errors.js';

/**
 * The logger shape the library writes to: pino's (`logger.info(obj, msg)`), so a pino
 * logger can be passed in as it is. Records carry no password and no payload.
 */
export interface MqttLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const noop = (): void => {};

/** Says nothing. */
export const silentLogger: MqttLogger = { debug: noop, info: noop, warn: noop, error: noop };

/** The default: warnings and errors to stderr, one line each; debug and info are dropped. */
export const consoleLogger: MqttLogger = {
  debug: noop,
  info: noop,
  warn: (obj, msg) => console.warn(`[koa-mqtt] ${msg ?? ''}`, describe(obj)),
  error: (obj, msg) => console.error(`[koa-mqtt] ${msg ?? ''}`, describe(obj)),
};

function describe(obj: object): string {
  const { err, ...rest } = obj as { err?: unknown };
  const fields = Object.keys(rest).length > 0 ? JSON.stringify(rest) : '';
  const error = err instanceof Error ? ` ${err.stack ?? err.message}` : '';
  return `${fields}${error}`;
}

/**
 * The error to put in a log record. A `PayloadValidationError` may quote the payload (a
 * preview, or JSON.parse's message in its cause), so unless `logPayloads` it is replaced by
 * one naming only the topic, the handler and how many problems were found.
 */
export function loggableError(error: unknown, logPayloads: boolean): unknown {
  if (logPayloads || !(error instanceof PayloadValidationError)) return error;
  const count = error.constraints.length;
  return new PayloadValidationError(error.topic, error.handler, [
    `${count} problem${count === 1 ? '' : 's'} not shown, as they may quote the payload (logPayloads: true shows them)`,
  ]);
}

/** At most 256 bytes of a payload as text, for a log record when `logPayloads` is set. */
export function payloadPreview(payload: Buffer): string {
  const shown = payload.subarray(0, 256).toString('utf8');
  return payload.length > 256 ? `${shown}…(${payload.length} bytes)` : shown;
}
