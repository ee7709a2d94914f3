/**
 * Two full runs side by side: every end-to-end ratio of run A against run B, and whether they
 * agree within ±0.05 (issue 17's check of the method). Not in the suite.
 *
 *   node .build/bench/compare.js bench/results/run-a.json bench/results/latest.json
 */
import { readFileSync } from 'node:fs';
import type { Results, Row } from './lib/results.js';

const TOLERANCE = 0.05;
const [pathA, pathB] = process.argv.slice(2);
if (pathA === undefined || pathB === undefined) {
  console.error('usage: node .build/bench/compare.js <run A results.json> <run B results.json>');
  process.exit(2);
}
const load = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Results;
const [a, b] = [load(pathA), load(pathB)];
const e2e = (results: Results) => results.rows.filter((row) => row.benchmark === 'e2e');
const key = (row: Row) => `${row.qos} ${row.candidate}`;
const inB = new Map(e2e(b).map((row) => [key(row), row]));

console.log(`A: ${a.date} (${a.durationS} s)   B: ${b.date} (${b.durationS} s)`);
// How steady the machine was: raw mqtt.js's own rate over the rounds (e2e.ts, `cpuRateSpread`).
for (const row of e2e(a).filter((r) => r.candidate === 'raw-mqttjs')) {
  const rowB = inB.get(key(row));
  console.log(
    `QoS ${row.qos}: raw mqtt.js's rate moved by ${percent(row.cpuRateSpread)} over the rounds of A, ${percent(rowB?.cpuRateSpread)} of B`,
  );
}
console.log(
  '| QoS | candidate | CPU ratio A | CPU ratio B | B − A | (B − A) / A | 95 % interval A | 95 % interval B | wall ratio A | wall ratio B | B − A | (B − A) / A |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
let compared = 0;
let agree = 0;
let worst = 0;
for (const rowA of e2e(a)) {
  if (rowA.candidate === 'raw-mqttjs') continue;
  const rowB = inB.get(key(rowA));
  if (rowB === undefined) continue;
  const cells: string[] = [];
  for (const field of ['cpuRatioToRaw', 'ratioToRaw']) {
    const [x, y] = [Number(rowA[field]), Number(rowB[field])];
    const difference = y - x;
    compared++;
    if (Math.abs(difference) <= TOLERANCE + 1e-9) agree++;
    worst = Math.max(worst, Math.abs(difference));
    const mark = Math.abs(difference) <= TOLERANCE + 1e-9 ? '' : ' ✗';
    cells.push(
      String(x),
      String(y),
      `${difference >= 0 ? '+' : '−'}${Math.abs(difference).toFixed(3)}${mark}`,
      `${difference >= 0 ? '+' : '−'}${((Math.abs(difference) / x) * 100).toFixed(1)} %`,
    );
    // How precisely each run pinned its CPU ratio (e2e.ts, `cpuRatioInterval`; runs before it: –).
    if (field === 'cpuRatioToRaw') cells.push(interval(rowA), interval(rowB));
  }
  console.log(`| ${rowA.qos} | ${rowA.candidate} | ${cells.join(' | ')} |`);
}
console.log(
  `\n${agree} of ${compared} ratios agree within ±${TOLERANCE}; largest difference ${worst.toFixed(3)}`,
);
process.exitCode = agree === compared ? 0 : 1;

function interval(row: Row): string {
  return typeof row.cpuRatioInterval === 'string' ? row.cpuRatioInterval : '–';
}

function percent(value: unknown): string {
  return typeof value === 'number' ? `${Math.round(value * 100)} %` : '–';
}
