/**
 * The benchmark suite: `npm run bench` (full, writes bench/results/latest.json and latest.md)
 * or `npm run bench -- --quick` (every benchmark briefly, a smoke test for CI; writes
 * bench/results/quick.json and quick.md, not committed). `--only=e2e,memory` runs a subset.
 * Each benchmark module exports `run({ quick })` returning its rows. Figures are never judged
 * here: targets are reported, not asserted; the exit code only says whether every benchmark ran.
 */
import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { machine, type Row, writeResults } from './lib/results.js';
import { checkTargets } from './lib/targets.js';

interface Suite {
  readonly name: string;
  /** Compiled module beside this file. */
  readonly module: string;
}

const SUITES: readonly Suite[] = [
  // Written by the topic engine's branch (bench/dispatch.ts); skipped, and reported so, when absent.
  { name: 'dispatch', module: './dispatch.js' },
  { name: 'hot-path', module: './hot-path.js' },
  { name: 'middleware', module: './middleware.js' },
  { name: 'e2e', module: './e2e.js' },
  { name: 'ack', module: './e2e-ack.js' },
  { name: 'memory', module: './memory.js' },
  { name: 'startup', module: './startup.js' },
];

type RunFn = (options: { quick?: boolean; report?: (row: Row) => void }) => Row[] | Promise<Row[]>;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const only = args
    .find((arg) => arg.startsWith('--only='))
    ?.slice('--only='.length)
    .split(',');
  const started = performance.now();
  const rows: Row[] = [];
  const skipped: string[] = [];
  let failed = false;
  for (const suite of SUITES) {
    if (only && !only.includes(suite.name)) continue;
    const url = new URL(suite.module, import.meta.url);
    if (!existsSync(fileURLToPath(url))) {
      skipped.push(`${suite.name} (${suite.module} not built)`);
      console.error(`[bench] ${suite.name}: skipped, ${suite.module} not found`);
      continue;
    }
    const t0 = performance.now();
    console.error(`[bench] ${suite.name}${quick ? ' --quick' : ''} …`);
    try {
      const { run } = (await import(url.href)) as { run: RunFn };
      const result = await run({ quick, report: () => {} });
      for (const row of result) console.log(JSON.stringify(row));
      rows.push(...result);
      console.error(`[bench] ${suite.name}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    } catch (error) {
      failed = true;
      skipped.push(`${suite.name} (failed: ${(error as Error).message})`);
      console.error(`[bench] ${suite.name} failed:`, error);
    }
  }
  const name = quick ? 'quick' : only ? 'partial' : 'latest';
  const dir = new URL('../../bench/results/', import.meta.url);
  const targets = checkTargets(rows);
  await writeResults(
    {
      date: new Date().toISOString(),
      node: process.version,
      machine: machine(),
      quick,
      durationS: Math.round((performance.now() - started) / 1000),
      rows,
      targets,
      skipped,
    },
    fileURLToPath(new URL(`${name}.json`, dir)),
    fileURLToPath(new URL(`${name}.md`, dir)),
  );
  for (const t of targets)
    console.error(
      `[bench] target ${t.met === undefined ? 'n/a' : t.met ? 'met ' : 'MISSED'}  ${t.target}: ${t.value}`,
    );
  console.error(`[bench] wrote bench/results/${name}.json and ${name}.md`);
  process.exit(failed ? 1 : 0);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
