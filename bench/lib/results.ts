import { mkdir, rename, writeFile } from 'node:fs/promises';
import { cpus, type as osType, release, totalmem } from 'node:os';
import { dirname } from 'node:path';

/** One benchmark row: a flat record of figures, `benchmark` naming its suite. */
export type Row = { readonly benchmark?: string; readonly bench?: string } & Readonly<
  Record<string, unknown>
>;

/** A target of issue 7, checked against the figures (reported, never asserted). */
export interface TargetCheck {
  readonly target: string;
  readonly figure: string;
  readonly value: number | undefined;
  readonly met: boolean | undefined;
  readonly note?: string;
}

export interface Results {
  readonly date: string;
  readonly node: string;
  readonly machine: {
    readonly os: string;
    readonly cpu: string;
    readonly cores: number;
    readonly memoryGiB: number;
  };
  readonly quick: boolean;
  readonly durationS: number;
  readonly rows: readonly Row[];
  readonly targets: readonly TargetCheck[];
  readonly skipped: readonly string[];
}

export function machine(): Results['machine'] {
  const list = cpus();
  return {
    os: `${osType()} ${release()}`,
    cpu: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
  };
}

/** Writes `latest.json` and `latest.md` (through temp files, so a failed run leaves the last ones). */
export async function writeResults(results: Results, jsonPath: string, mdPath: string): Promise<void> {
  await mkdir(dirname(jsonPath), { recursive: true });
  await writeFile(`${jsonPath}.tmp`, `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(`${mdPath}.tmp`, markdown(results));
  await rename(`${jsonPath}.tmp`, jsonPath);
  await rename(`${mdPath}.tmp`, mdPath);
}

const SHOWN: Record<string, readonly string[]> = {
  dispatch: ['n', 'trieOpsPerSec', 'linearOpsPerSec', 'ratio'],
  e2e: [
    'qos',
    'candidate',
    'msgPerSec',
    'ratioToRaw',
    'msgPerCpuSec',
    'cpuRatioToRaw',
    'cpuRatioInterval',
    'cpuRateSpread',
    'lost',
  ],
  'hot-path': ['candidate', 'nsPerMessage', 'overheadNs'],
  middleware: ['candidate', 'nsPerMessage', 'overheadNs'],
  latency: ['qos', 'candidate', 'ratePerSec', 'p50Ms', 'p99Ms', 'lost'],
  ack: ['handler', 'ack', 'msgPerSec', 'ratioToAuto', 'cpuRatioToAuto', 'lost'],
  memory: [
    'handlers',
    'heapPerHandler',
    'heapPerHandlerDecorators',
    'heapPerHandlerDefinitions',
    'heapPerHandlerStart',
    'rssPerHandler',
    'messagesEarly',
    'heapEarly',
    'messagesLate',
    'heapLate',
    'heapGrowth',
    'lost',
  ],
  startup: ['handlers', 'createMs', 'startMs', 'startOneMs', 'rawMs', 'beyondBrokerMs'],
};

/** The short markdown summary: machine, Node, date, then a table per benchmark and the targets. */
export function markdown(results: Results): string {
  const m = results.machine;
  const lines = [
    `# Benchmark results${results.quick ? ' (--quick: smoke run, figures not meaningful)' : ''}`,
    '',
    `- Date: ${results.date}`,
    `- Node: ${results.node}`,
    `- Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os} (shared and noisy: ratios within one run are the figures that count)`,
    `- Duration: ${results.durationS} s`,
    '',
  ];
  const suites = [...new Set(results.rows.map(suiteOf))];
  for (const suite of suites) {
    const rows = results.rows.filter((row) => suiteOf(row) === suite);
    const columns =
      SHOWN[suite] ?? Object.keys(rows[0] ?? {}).filter((key) => key !== 'benchmark' && key !== 'bench');
    lines.push(`## ${suite}`, '', `| ${columns.join(' | ')} |`, `|${columns.map(() => ' --- ').join('|')}|`);
    for (const row of rows) lines.push(`| ${columns.map((column) => format(row[column])).join(' | ')} |`);
    lines.push('');
  }
  if (results.targets.length > 0) {
    lines.push(
      '## Targets (issue 7)',
      '',
      '| target | figure | value | met | note |',
      '| --- | --- | --- | --- | --- |',
    );
    for (const t of results.targets) {
      lines.push(
        `| ${t.target} | ${t.figure} | ${format(t.value)} | ${t.met === undefined ? 'n/a' : t.met ? 'yes' : '**no**'} | ${t.note ?? ''} |`,
      );
    }
    lines.push('');
  }
  if (results.skipped.length > 0) lines.push(`Skipped: ${results.skipped.join('; ')}`, '');
  return `${lines.join('\n')}\n`;
}

function suiteOf(row: Row): string {
  return String(row.benchmark ?? row.bench ?? 'other');
}

function format(value: unknown): string {
  if (typeof value === 'number')
    return Number.isInteger(value) ? value.toLocaleString('en-US') : String(value);
  if (value === undefined) return '–';
  return String(value);
}
