/**
 * Import time: how long `await import('koa-mqtt')` takes in a fresh Node process, against
 * `import('mqtt')` alone (its one dependency doing real work) and against class-validator (which
 * koa-mqtt loads only for DTO payloads). Each round starts one process per module, in rotated
 * order; the figure is the median over rounds of the time the import itself took
 * (performance.now() around it, Node's own start-up excluded).
 *
 *   npm run bench:import                      # this repository's dist/ (koa-mqtt resolves to itself)
 *   node .build/bench/import-time.js --dir=/path/to/project --rounds=21   # an installed koa-mqtt
 */
import { execFileSync } from 'node:child_process';
import { median, rotate, sig } from './lib/stats.js';

export interface ImportTimeRow {
  readonly benchmark: 'import-time';
  readonly module: string;
  readonly rounds: number;
  /** Median ms of the import alone. */
  readonly importMs: number;
  /** Median ms of the whole process (Node start-up included). */
  readonly processMs: number;
}

const MODULES = ['koa-mqtt', 'mqtt', 'class-validator'];

function once(module: string, cwd: string): { importMs: number; processMs: number } {
  const script = `const t = performance.now(); await import(${JSON.stringify(module)}); console.log(performance.now() - t);`;
  const t0 = performance.now();
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd,
    encoding: 'utf8',
  });
  return { importMs: Number(out.trim()), processMs: performance.now() - t0 };
}

/** Whether `module` is installed where the benchmark runs (class-validator may not be). */
function resolvable(module: string, cwd: string): boolean {
  try {
    execFileSync(
      process.execPath,
      ['--input-type=module', '-e', `import.meta.resolve(${JSON.stringify(module)})`],
      {
        cwd,
        stdio: 'ignore',
      },
    );
    return true;
  } catch {
    return false;
  }
}

export function run(options: { quick?: boolean; dir?: string; rounds?: number } = {}): ImportTimeRow[] {
  const rounds = options.rounds ?? (options.quick ? 2 : 11);
  const cwd = options.dir ?? process.cwd();
  const samples = new Map(MODULES.map((m) => [m, { imports: [] as number[], processes: [] as number[] }]));
  for (let round = 0; round < rounds; round++) {
    for (const module of rotate(MODULES, round)) {
      if (!resolvable(module, cwd)) continue;
      const { importMs, processMs } = once(module, cwd);
      samples.get(module)!.imports.push(importMs);
      samples.get(module)!.processes.push(processMs);
    }
  }
  return MODULES.filter((module) => samples.get(module)!.imports.length > 0).map((module) => ({
    benchmark: 'import-time',
    module,
    rounds,
    importMs: sig(median(samples.get(module)!.imports)),
    processMs: sig(median(samples.get(module)!.processes)),
  }));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const rounds = arg('rounds');
  const rows = run({
    quick: process.argv.includes('--quick'),
    dir: arg('dir'),
    ...(rounds ? { rounds: Number(rounds) } : {}),
  });
  for (const row of rows) console.log(JSON.stringify(row));
}
