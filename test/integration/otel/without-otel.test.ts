/**
 * The packed library in a project WITHOUT @opentelemetry/api: `koa-mqtt` and `koa-mqtt/testing`
 * load and work (middleware included); only `koa-mqtt/otel` needs the package, and says so.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..', '..', '..');

let project: string;

before(async () => {
  project = await mkdtemp(join(tmpdir(), 'koa-mqtt-no-otel-'));
  // The files npm would publish (package.json "files"), unpacked where an install puts them.
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', project], {
    cwd: root,
  });
  const [{ filename }] = JSON.parse(stdout) as Array<{ filename: string }>;
  const target = join(project, 'node_modules', 'koa-mqtt');
  await mkdir(target, { recursive: true });
  await run('tar', ['-xzf', join(project, filename), '-C', target, '--strip-components=1']);
  // Its runtime dependencies, and nothing else: no @opentelemetry/api in this project.
  for (const dependency of ['mqtt', 'class-validator', 'class-transformer', 'reflect-metadata']) {
    await symlink(join(root, 'node_modules', dependency), join(project, 'node_modules', dependency), 'dir');
  }
  await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'no-otel', type: 'module' }));
});

after(() => rm(project, { recursive: true, force: true }));

it('loads and handles messages without @opentelemetry/api installed', async () => {
  const script = `
    import { createMqttApp } from 'koa-mqtt';
    import { createTestApp } from 'koa-mqtt/testing';
    const resolved = await import('@opentelemetry/api').then(() => 'found', (e) => e.code);
    const t = await createTestApp({ middleware: [async (ctx, next) => { ctx.state.seen = true; await next(); }] });
    await t.service.subscribe('a/+id', (ctx) => ctx.params.id + ':' + ctx.state.seen);
    const outcome = await t.publish('a/7', 'x');
    await t.stop();
    const otel = await import('koa-mqtt/otel').then(() => 'loaded', (e) => e.code + ' ' + e.message);
    console.log(JSON.stringify({ resolved, app: typeof createMqttApp, value: outcome.runs[0].value, otel }));
  `;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: project });
  const result = JSON.parse(stdout.trim()) as Record<string, string>;
  assert.equal(result.resolved, 'ERR_MODULE_NOT_FOUND', 'the project must not have @opentelemetry/api');
  assert.equal(result.app, 'function');
  assert.equal(result.value, '7:true');
  assert.match(result.otel!, /^ERR_MODULE_NOT_FOUND .*'@opentelemetry\/api'/);
});
