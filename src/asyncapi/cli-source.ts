import { MqttError } from '../errors.js';
import { type AsyncApiSource, isApp } from './generate.js';

/**
 * What the CLI documents, from a module's export: a source (`MqttApp`, the `useMqtt` handle,
 * the `MqttService`), an object holding one as `mqtt`, or a function returning either.
 */
export async function loadSource(
  exported: Record<string, unknown>,
  name: string,
  modulePath: string,
): Promise<AsyncApiSource> {
  if (!(name in exported)) {
    throw new MqttError(
      `${modulePath} has no export ${JSON.stringify(name)} (it exports ${
        Object.keys(exported)
          .map((k) => JSON.stringify(k))
          .join(', ') || 'nothing'
      })`,
    );
  }
  let value: unknown = exported[name];
  if (typeof value === 'function') {
    value = await (value as () => unknown)();
  }
  const source = asSource(value) ?? asSource((value as { mqtt?: unknown } | null)?.mqtt);
  if (!source) {
    throw new MqttError(
      `export ${JSON.stringify(name)} of ${modulePath} is not a koa-mqtt app: expected the useMqtt handle, the MqttService, an MqttApp, { mqtt: one of them }, or a function returning one`,
    );
  }
  return source;
}

function asSource(value: unknown): AsyncApiSource | undefined {
  if (isApp(value)) return value;
  if (isApp((value as { app?: unknown } | null | undefined)?.app)) return value as AsyncApiSource;
  return undefined;
}
