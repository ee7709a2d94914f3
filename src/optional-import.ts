import { MqttError } from './errors.js';

/**
 * Loads an optional dependency through `load` (a literal `import('pkg')`, so TypeScript keeps its
 * types). When the package itself is not installed, throws an `MqttError` telling the user to install
 * it for `feature`; any other failure (a broken install, a missing transitive dependency) is rethrown.
 */
export async function importOptional<T>(
  packageName: string,
  feature: string,
  load: () => Promise<T>,
): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (isMissingPackage(error, packageName)) {
      throw new MqttError(
        `install ${packageName} to use ${feature} (npm install --save-dev ${packageName})`,
        'ERR_MQTT_MISSING_DEPENDENCY',
        { cause: error },
      );
    }
    throw error;
  }
}

function isMissingPackage(error: unknown, packageName: string): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as NodeJS.ErrnoException).code;
  return (
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
    error.message.includes(`'${packageName}'`)
  );
}
