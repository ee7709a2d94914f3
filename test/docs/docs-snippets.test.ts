import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type EmbeddedBroker, startEmbeddedBroker } from '../../src/testing/index.js';
import { freePort } from '../helpers/ports.js';
import { trackChild } from '../helpers/process-reaper.js';
import { waitFor, withTimeout } from '../helpers/wait.js';
import { type CodeBlock, typeScriptBlocks } from './code-blocks.js';
import { freshProject, packLibrary, shell, userEnv } from './fresh-project.js';
import { installPlan } from './install-commands.js';

/**
 * The docs are tested the way a newcomer reads them: every TypeScript block of README.md and
 * docs/*.md is written into ONE new project made exactly as the README's Install section says
 * (`npm init`, `tsc --init` defaults: strict, exactOptionalPropertyTypes, verbatimModuleSyntax…),
 * with the packed library installed, and compiled by that project's `tsc`. The Quick start and the
 * README's first sample are then run against an embedded broker and must handle a message, and the
 * testing sample runs under `node --test`.
 */

const root = join(import.meta.dirname, '..', '..', '..');
const DOCS = [
  'README.md',
  ...(await readdir(join(root, 'docs'))).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`),
];

interface Snippet {
  readonly block: CodeBlock;
  /** Path inside the project, e.g. `snippets/readme-03.ts`. */
  readonly path: string;
  /** Lines of setup put before the block's code. */
  readonly setupLines: number;
}

async function allBlocks(): Promise<CodeBlock[]> {
  const blocks: CodeBlock[] = [];
  for (const file of DOCS) blocks.push(...typeScriptBlocks(file, await readFile(join(root, file), 'utf8')));
  return blocks;
}

function snippetName(block: CodeBlock, index: number): string {
  const base = block.file
    .replace(/^docs\//, '')
    .replace(/\.md$/, '')
    .toLowerCase();
  return `snippets/${base}-${String(index + 1).padStart(2, '0')}.ts`;
}

/** `file(line,col): error TSxxxx: message` lines of tsc, as `README.md:42 TSxxxx message`. */
function mapDiagnostics(output: string, snippets: Snippet[]): string[] {
  const found: string[] = [];
  for (const line of output.split('\n')) {
    const m = /^(snippets\/[\w.-]+\.ts)\((\d+),(\d+)\): error (TS\d+): (.*)$/.exec(line.trim());
    if (m) {
      const snippet = snippets.find((s) => s.path === m[1]);
      const at = Number(m[2]);
      if (!snippet) found.push(line);
      else if (at <= snippet.setupLines) {
        found.push(`${snippet.block.file}:${snippet.block.line} (its setup, line ${at}) ${m[4]} ${m[5]}`);
      } else
        found.push(
          `${snippet.block.file}:${snippet.block.line + at - snippet.setupLines - 1} ${m[4]} ${m[5]}`,
        );
    } else if (/^\s+\S/.test(line) && found.length > 0) found[found.length - 1] += `\n    ${line.trim()}`;
    else if (/error TS\d+/.test(line)) found.push(line.trim());
  }
  return found;
}

/** A compiled snippet running as a user would run it (`node file.js`), its output collected. */
class RunningSnippet {
  output = '';
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;

  constructor(project: string, snippet: Snippet, env: Record<string, string>, preload?: string) {
    const args = [...(preload ? ['--import', preload] : []), snippet.path.replace(/\.ts$/, '.js')];
    this.child = spawn(process.execPath, args, {
      cwd: project,
      env: userEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    trackChild(this.child);
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      this.output += chunk;
    });
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.output += chunk;
    });
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  async waitForOutput(pattern: RegExp, what: string): Promise<RegExpExecArray> {
    await Promise.race([
      waitFor(() => pattern.test(this.output), {
        timeout: 30_000,
        message: `${what}; output:\n${this.output}`,
      }),
      this.exited.then((code) => assert.fail(`exited with ${code} before ${what}:\n${this.output}`)),
    ]);
    return pattern.exec(this.output)!;
  }

  async terminate(): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    return withTimeout(this.exited, 15_000, 'snippet exit after SIGTERM');
  }
}

/**
 * What some blocks import from `./sensor.controller.js`, standing for "your controllers" (the
 * blocks are about options, not about these classes).
 */
const SENSOR_CONTROLLER = `import { MqttController, Topic } from 'koa-mqtt';
@MqttController('sensors')
export class SensorController {
  @Topic('+id/temperature') temperature() {}
}
@MqttController('orders')
export class OrderController {}
@MqttController('devices')
export class DeviceController {}
@MqttController('readings')
export class ReadingsController {}
@MqttController('config')
export class ConfigController {}
`;

/** Loaded with `--import` into a snippet that listens on a fixed port: any free port instead, printed. */
const FREE_PORT_PRELOAD = `import net from 'node:net';
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === 'number' && args[0] !== 0) args[0] = 0;
  this.once('listening', () => console.log('[docs-test] listening on port ' + this.address().port));
  return listen.apply(this, args);
};
`;

describe('docs: every TypeScript block of README.md and docs/*.md', () => {
  let work: string;
  let project: string;
  let snippets: Snippet[];
  let fragments: CodeBlock[];
  let compileErrors: string[];
  let broker: EmbeddedBroker;

  before(
    async () => {
      assert.ok(existsSync(join(root, 'dist', 'index.js')), 'dist/ is missing: run npm run build');
      const readme = await readFile(join(root, 'README.md'), 'utf8');
      const plan = installPlan('README.md', readme, 'Install');
      work = await mkdtemp(join(tmpdir(), 'koa-mqtt-pack-'));
      const started = Date.now();
      const tarball = await packLibrary(root, work);
      project = await freshProject(plan, tarball);
      const installed = Date.now();

      const blocks = await allBlocks();
      fragments = blocks.filter((b) => b.fragment);
      snippets = blocks
        .filter((b) => !b.fragment)
        .map((block, i) => ({
          block,
          path: snippetName(block, i),
          setupLines: block.setup === '' ? 0 : block.setup.split('\n').length,
        }));
      await mkdir(join(project, 'snippets'));
      for (const s of snippets) {
        const setup = s.block.setup === '' ? '' : `${s.block.setup}\n`;
        await writeFile(join(project, s.path), `${setup}${s.block.code}\n`);
      }
      await writeFile(join(project, 'snippets', 'sensor.controller.ts'), SENSOR_CONTROLLER);
      await writeFile(join(project, 'free-port.mjs'), FREE_PORT_PRELOAD);
      const tsc = await shell('node_modules/.bin/tsc -p . --pretty false || true', project);
      compileErrors = mapDiagnostics(tsc, snippets);
      console.log(
        `docs test: ${snippets.length} blocks compiled, ${fragments.length} fragments; pack + install ${installed - started} ms, tsc ${Date.now() - installed} ms`,
      );
      broker = await startEmbeddedBroker();
    },
    { timeout: 400_000 },
  );

  after(async () => {
    await broker?.close();
    if (project && !process.env.KEEP_DOCS_PROJECT) await rm(project, { recursive: true, force: true });
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('finds the blocks, few of them fragments', () => {
    assert.ok(snippets.length >= 20, `only ${snippets.length} blocks found`);
    assert.ok(
      fragments.length <= snippets.length / 5,
      `${fragments.length} fragments: ${fragments.map((f) => `${f.file}:${f.line}`).join(', ')}`,
    );
  });

  it('compiles every block with the project tsc --init made', () => {
    assert.deepEqual(compileErrors, [], `\n${compileErrors.join('\n')}`);
  });

  it('runs the Quick start: it says it is up, handles a message, answers /health and stops on SIGTERM', async () => {
    const quickStart = snippets.find(
      (s) => s.block.file === 'README.md' && s.block.heading === 'Quick start',
    );
    assert.ok(quickStart, 'no Quick start block');
    const port = await freePort();
    const app = new RunningSnippet(project, quickStart, { MQTT_URL: broker.url, PORT: String(port) });
    try {
      await app.waitForOutput(/listening on http:\/\/localhost:\d+/i, 'the "up" line');
      await broker.publish('sensors/kitchen/temperature', { celsius: 21.5 }, { qos: 1 });
      await app.waitForOutput(/kitchen: 21\.5/, 'the handled message');
      const health = await fetch(`http://127.0.0.1:${port}/health`);
      assert.equal(health.status, 200, await health.text());
      const alert = await fetch(`http://127.0.0.1:${port}/alerts/high`, { method: 'POST' });
      assert.equal(alert.status, 202);
      assert.equal(await app.terminate(), 0, app.output);
    } finally {
      await app.terminate();
    }
  });

  it('runs the testing sample with node --test: it passes', async () => {
    const sample = snippets.find(
      (s) => s.block.file === 'README.md' && s.block.heading === 'Testing your controllers',
    );
    assert.ok(sample, 'no block under "Testing your controllers"');
    const output = await shell(`node --test ${sample.path.replace(/\.ts$/, '.js')}`, project, 60_000);
    assert.match(output, /# pass 1\b/, output);
    assert.match(output, /# fail 0\b/, output);
  });

  it("runs the README's first sample: it handles a message and its route publishes", async () => {
    const first = snippets.find((s) => s.block.file === 'README.md');
    assert.ok(first, 'the README has no TypeScript block');
    const app = new RunningSnippet(project, first, { MQTT_URL: broker.url }, './free-port.mjs');
    try {
      const [, port] = await app.waitForOutput(/\[docs-test\] listening on port (\d+)/, 'HTTP listening');
      await broker.publish('sensors/kitchen/temperature', { celsius: 21.5 }, { qos: 1 });
      await app.waitForOutput(/kitchen: 21\.5/, 'the handled message');
      const published = new Promise<string>((resolve) =>
        broker.aedes.on('publish', (packet) => {
          if (packet.topic === 'alerts/high') resolve(packet.payload.toString());
        }),
      );
      const response = await fetch(`http://127.0.0.1:${port}/alerts`, { method: 'POST' });
      assert.equal(response.status, 202);
      assert.deepEqual(JSON.parse(await withTimeout(published, 10_000, 'alerts/high')), { level: 3 });
    } finally {
      await app.terminate();
    }
  });
});
