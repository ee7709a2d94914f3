import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { asyncApiErrors, parsedJson } from '../../helpers/asyncapi-parser.js';

const ROOT = join(import.meta.dirname, '..', '..', '..', '..');
/** The command as installed (`bin` of package.json), built by `npm run build`. */
const CLI = join(ROOT, 'dist', 'asyncapi', 'cli.js');
const CONTRACT = join(ROOT, '.build', 'example-app', 'src', 'contract.js');

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

describe('koa-mqtt-asyncapi', () => {
  const dir = mkdtempSync(join(tmpdir(), 'koa-mqtt-asyncapi-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("writes the example app's document to a file, JSON and YAML alike", async () => {
    const json = join(dir, 'asyncapi.json');
    const yaml = join(dir, 'asyncapi.yaml');
    const first = await run([CONTRACT, '--out', json, '--title', 'Sensors']);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /wrote .*asyncapi\.json \(2 channels, 2 operations\)/);
    // What cannot be expressed is said, on stderr.
    assert.match(first.stderr, /OverheatAlertDto\.at: @IsISO8601/);
    const second = await run([CONTRACT, '--out', yaml, '--yaml', '--title', 'Sensors']);
    assert.equal(second.code, 0, second.stderr);
    const text = readFileSync(json, 'utf8');
    assert.equal((JSON.parse(text) as { info: { title: string } }).info.title, 'Sensors');
    assert.deepEqual(await asyncApiErrors(text), []);
    assert.deepEqual(await parsedJson(readFileSync(yaml, 'utf8')), await parsedJson(text));
  });

  it('prints to stdout without --out; --strict fails on what the document cannot express', async () => {
    const plain = await run([CONTRACT]);
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal((JSON.parse(plain.stdout) as { asyncapi: string }).asyncapi, '3.0.0');
    const strict = await run([CONTRACT, '--strict']);
    assert.equal(strict.code, 2);
  });

  it('says what is wrong with the arguments or the module', async () => {
    const none = await run([]);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /expected one module path, got 0/);
    const missing = await run([CONTRACT, '--export', 'nope']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /has no export "nope" \(it exports "default"\)/);
    const notAnApp = await run([
      join(ROOT, '.build', 'example-app', 'src', 'sensors', 'alerts.js'),
      '--export',
      'ALERTS',
    ]);
    assert.equal(notAnApp.code, 1);
    assert.match(notAnApp.stderr, /export "ALERTS" of .* is not a koa-mqtt app/);
  });
});
