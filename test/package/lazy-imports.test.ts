import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';

/**
 * `import('koa-mqtt')` must not load class-validator or class-transformer (optional peers, and
 * class-validator alone takes longer to import than the rest of koa-mqtt): they are loaded by
 * `start()` for apps whose handlers take DTO classes. Checked in a fresh process on dist/.
 */
const root = join(import.meta.dirname, '..', '..', '..');

function loadedAfter(script: string): string[] {
  const probe = `${script}
const { createRequire } = await import('node:module');
const cache = createRequire(import.meta.url).cache;
console.log(JSON.stringify(Object.keys(cache).filter((p) => /node_modules\\/class-(validator|transformer)\\//.test(p)).map((p) => p.includes('class-validator') ? 'class-validator' : 'class-transformer')));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', probe], {
    cwd: root,
    encoding: 'utf8',
  });
  return [...new Set(JSON.parse(out) as string[])].sort();
}

it('importing koa-mqtt (and validating a config) loads neither class-validator nor class-transformer', () => {
  assert.ok(existsSync(join(root, 'dist', 'index.js')), 'dist/ is missing: run npm run build');
  assert.deepEqual(
    loadedAfter(
      `const { MqttConfig } = await import('koa-mqtt'); MqttConfig.from({ url: 'mqtt://localhost', port: 1883 });`,
    ),
    [],
  );
  // The probe can see them: importing them directly shows up.
  assert.deepEqual(loadedAfter(`await import('class-validator'); await import('class-transformer');`), [
    'class-transformer',
    'class-validator',
  ]);
});
