import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { packLibrary, shell } from '../docs/fresh-project.js';

/** What `npm pack` puts in the tarball a user installs, unpacked and checked file by file. */

const root = join(import.meta.dirname, '..', '..', '..');

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

interface SourceMap {
  sources: string[];
  sourceRoot?: string;
  sourcesContent?: Array<string | null>;
}

describe('npm pack', () => {
  let work: string;
  let pkg: string;
  let files: string[];

  before(async () => {
    assert.ok(existsSync(join(root, 'dist', 'index.js')), 'dist/ is missing: run npm run build');
    work = await mkdtemp(join(tmpdir(), 'koa-mqtt-pack-test-'));
    const tarball = await packLibrary(root, work);
    await shell(`tar -xzf ${JSON.stringify(tarball)}`, work);
    pkg = join(work, 'package');
    files = walk(pkg).map((f) => relative(pkg, f));
  });

  after(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('contains the MIT LICENSE that package.json names', () => {
    assert.ok(files.includes('LICENSE'), files.join('\n'));
    const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as { license: string };
    assert.equal(manifest.license, 'MIT');
    assert.match(readFileSync(join(pkg, 'LICENSE'), 'utf8'), /^MIT License\n/);
  });

  it('has no script that runs when it is installed', () => {
    const { scripts = {} } = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as {
      scripts?: Record<string, string>;
    };
    for (const hook of ['preinstall', 'install', 'postinstall', 'prepare']) {
      assert.equal(scripts[hook], undefined, `scripts.${hook} runs on every install: ${scripts[hook]}`);
    }
  });

  it('has source maps whose every source is in the package', () => {
    const maps = files.filter((f) => f.endsWith('.js.map') || f.endsWith('.d.ts.map'));
    assert.ok(maps.length > 50, `only ${maps.length} source maps`);
    const broken: string[] = [];
    for (const map of maps) {
      const parsed = JSON.parse(readFileSync(join(pkg, map), 'utf8')) as SourceMap;
      assert.ok(parsed.sources.length > 0, `${map} names no source`);
      for (const [i, source] of parsed.sources.entries()) {
        if (parsed.sourcesContent?.[i] != null) continue;
        const path = resolve(dirname(join(pkg, map)), parsed.sourceRoot ?? '', source);
        if (!path.startsWith(`${pkg}/`) || !existsSync(path)) broken.push(`${map} → ${source}`);
      }
    }
    assert.deepEqual(broken, []);
  });

  it('points every compiled file at a map it contains', () => {
    const missing = files
      .filter((f) => f.endsWith('.js') && f.startsWith('dist/'))
      .filter((f) => {
        const url = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(readFileSync(join(pkg, f), 'utf8'))?.[1];
        return url === undefined || !existsSync(join(pkg, dirname(f), url));
      });
    assert.deepEqual(missing, []);
  });
});
