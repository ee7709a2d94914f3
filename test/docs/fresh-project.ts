import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { InstallPlan } from './install-commands.js';

const run = promisify(execFile);

/**
 * The environment of a user's shell: without the `npm_*` variables of the `npm test` we run
 * under, nor `NODE_TEST_CONTEXT` (with it, a `node --test` started here runs nothing).
 */
export function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('npm_') || ['INIT_CWD', 'NODE_OPTIONS', 'NODE_TEST_CONTEXT'].includes(key)) continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

/** Runs `command` with `sh -c` in `cwd`; rejects with its output when it fails. */
export async function shell(command: string, cwd: string, timeoutMs = 240_000): Promise<string> {
  try {
    const { stdout, stderr } = await run('sh', ['-c', command], {
      cwd,
      env: userEnv(),
      timeout: timeoutMs,
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout + stderr;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`\`${command}\` failed in ${cwd}: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

/** `npm pack` of the repository as it is built now (no scripts: `npm test` has just built `dist/`). */
export async function packLibrary(root: string, destination: string): Promise<string> {
  await shell(`npm pack --ignore-scripts --silent --pack-destination ${JSON.stringify(destination)}`, root);
  const tarball = (await readdir(destination)).find((name) => name.endsWith('.tgz'));
  if (!tarball) throw new Error(`npm pack wrote no tarball in ${destination}`);
  return join(destination, tarball);
}

/**
 * A new directory made the way the README's Install section says: its commands in order, its
 * `npm install` lines as one install, with `koa-mqtt` replaced by the packed `tarball`. npm takes
 * what its cache has (`--prefer-offline`) and asks the registry for the rest.
 */
export async function freshProject(plan: InstallPlan, tarball: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'koa-mqtt-docs-'));
  try {
    for (const command of plan.before) await shell(command, dir);
    const packages = plan.packages.map((name) => (name === 'koa-mqtt' ? tarball : name));
    if (!packages.includes(tarball)) throw new Error('the Install section does not install koa-mqtt');
    await shell(
      `npm install --prefer-offline --no-audit --no-fund --loglevel=error ${packages.map((p) => JSON.stringify(p)).join(' ')}`,
      dir,
    );
    for (const command of plan.after) await shell(command, dir);
    return dir;
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
