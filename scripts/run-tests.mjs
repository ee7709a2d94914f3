// Runs the compiled tests (.build/test/**/*.test.js) with node's test runner.
// Usage: node scripts/run-tests.mjs [substring ...]   (only files whose path contains one of them)
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..', '.build', 'test');

function collect(dir) {
  const found = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...collect(path));
    else if (name.endsWith('.test.js')) found.push(path);
  }
  return found;
}

const filters = process.argv.slice(2);
const files = collect(root)
  .filter((file) => filters.length === 0 || filters.some((f) => relative(root, file).includes(f)))
  .sort();
if (files.length === 0) {
  console.error(
    `no compiled test files under ${root} match ${filters.join(' ') || '(all)'}; run npm run build:test`,
  );
  process.exit(1);
}
const concurrency = process.env.TEST_CONCURRENCY ?? '2';
// The timeout applies to each file as a whole too: a conformance file starting RabbitMQ (20–60 s,
// over 90 s on a loaded machine) and running its cases needs more than 2 minutes.
const child = spawn(
  process.execPath,
  ['--enable-source-maps', '--test', `--test-concurrency=${concurrency}`, '--test-timeout=300000', ...files],
  { stdio: 'inherit' },
);
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
