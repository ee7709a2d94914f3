import { describe, type SuiteContext, type TestContext } from 'node:test';
import { findExecutable, isExecutable } from './executables.js';

/** The Mosquitto binary: `$MOSQUITTO_BIN` if set (and executable), else `mosquitto` on PATH or in sbin. */
export function mosquittoBinary(): string | undefined {
  const configured = process.env.MOSQUITTO_BIN;
  if (configured) return isExecutable(configured) ? configured : undefined;
  return findExecutable('mosquitto');
}

/** Whether a Mosquitto binary is installed (a running broker is neither needed nor used). */
export function mosquittoAvailable(): boolean {
  return mosquittoBinary() !== undefined;
}

const MISSING = 'mosquitto is not installed (apt-get install mosquitto mosquitto-clients)';

/**
 * `false` when Mosquitto is installed, else a skip reason. On CI (`CI=true`) a missing Mosquitto
 * is an error, thrown here, so integration tests cannot pass by being skipped.
 */
export function mosquittoSkipReason(): string | false {
  if (mosquittoAvailable()) return false;
  if (process.env.CI === 'true') throw new Error(`${MISSING}; CI requires it`);
  return MISSING;
}

/**
 * Skips test `t` when Mosquitto is missing (throws on CI). Returns whether the test may go on:
 * `if (!requireMosquitto(t)) return;`
 */
export function requireMosquitto(t: TestContext): boolean {
  const reason = mosquittoSkipReason();
  if (reason === false) return true;
  t.skip(reason);
  return false;
}

/** `describe`, skipped with a message when Mosquitto is missing, failing on CI. */
export function describeMosquitto(
  name: string,
  fn: (suite: SuiteContext) => void | Promise<void>,
): Promise<void> {
  return describe(name, { skip: mosquittoSkipReason() }, fn);
}
