import type { MqttLogger } from 'koa-mqtt';

/** Library log records as one line each: info to stdout, warnings and errors to stderr. */
export const logger: MqttLogger = {
  debug: () => {},
  info: (obj, msg) => console.log(line(msg, obj)),
  warn: (obj, msg) => console.warn(line(msg, obj)),
  error: (obj, msg) => console.error(line(msg, obj)),
};

function line(msg: string | undefined, obj: object): string {
  const { err, ...fields } = obj as { err?: unknown };
  const error = err instanceof Error ? ` (${err.message})` : '';
  return `[mqtt] ${msg ?? ''} ${JSON.stringify(fields)}${error}`;
}
