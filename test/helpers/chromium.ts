import { type Browser, chromium } from 'playwright-core';
import { isExecutable } from './executables.js';

/** Debian's `chromium` package (`.ci/run` installs it). */
export const CHROMIUM = '/usr/bin/chromium';

/** Why browser tests cannot run here, or false. Under CI=true a missing browser is a failure, not a skip. */
export function chromiumSkipReason(): string | false {
  if (isExecutable(CHROMIUM)) return false;
  if (process.env.CI === 'true')
    throw new Error(`${CHROMIUM} is missing (CI=true): apt-get install -y chromium`);
  return `${CHROMIUM} not installed (apt-get install -y chromium)`;
}

/** Headless Chromium with nothing of its own going to the network (no updates, sync or pings). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}
