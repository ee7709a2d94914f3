import type { Row, TargetCheck } from './results.js';

/** Issue 7's and issue 17's targets, checked against a run's rows (undefined value: the figure was not measured). */
export function checkTargets(rows: readonly Row[]): TargetCheck[] {
  const find = (suite: string, match: Record<string, unknown>) =>
    rows.find(
      (row) =>
        (row.benchmark ?? row.bench) === suite &&
        Object.entries(match).every(([key, value]) => row[key] === value),
    );
  const figure = (suite: string, match: Record<string, unknown>, key: string): number | undefined => {
    const value = find(suite, match)?.[key];
    return typeof value === 'number' ? value : undefined;
  };
  const check = (
    target: string,
    name: string,
    value: number | undefined,
    ok: (v: number) => boolean,
    note?: string,
  ): TargetCheck => ({
    target,
    figure: name,
    value,
    met: value === undefined ? undefined : ok(value),
    ...(note === undefined ? {} : { note }),
  });
  /** End to end: judged on the CPU-time ratio (steady on a shared machine), the wall-clock ratio shown beside. */
  const e2e = (target: string, qos: number, candidate: string, min: number): TargetCheck =>
    check(
      target,
      'cpuRatioToRaw',
      figure('e2e', { qos, candidate }, 'cpuRatioToRaw'),
      (v) => v >= min,
      `wall-clock ratioToRaw ${figure('e2e', { qos, candidate }, 'ratioToRaw') ?? '–'}`,
    );
  const checks: TargetCheck[] = [];
  // Issue 17: QoS 1 judged; QoS 0 (issue 7's targets) printed beside.
  for (const qos of [0, 1]) {
    const plain = qos === 1 ? 0.95 : 0.9;
    checks.push(
      e2e(`e2e QoS ${qos}, plain payload ≥ ${plain} × raw`, qos, 'koa-mqtt-plain', plain),
      e2e(`e2e QoS ${qos}, 1,000 handlers ≥ ${plain} × raw`, qos, 'koa-mqtt-plain-1000-handlers', plain),
      e2e(`e2e QoS ${qos}, DTO (compiled) ≥ 0.90 × raw`, qos, 'koa-mqtt-dto', 0.9),
    );
    const ours = figure('e2e', { qos, candidate: 'koa-mqtt-dto' }, 'cpuRatioToRaw');
    const nest = figure('e2e', { qos, candidate: 'nestjs-dto' }, 'cpuRatioToRaw');
    checks.push(
      check(
        `e2e QoS ${qos}, DTO ≥ 2 × NestJS's ValidationPipe DTO`,
        'cpuRatioToRaw / nestjs-dto',
        ours === undefined || nest === undefined ? undefined : Math.round((ours / nest) * 100) / 100,
        (v) => v >= 2,
        `NestJS DTO ${nest ?? '–'}, NestJS plain ${figure('e2e', { qos, candidate: 'nestjs-plain' }, 'cpuRatioToRaw') ?? '–'}`,
      ),
    );
  }
  checks.push(
    check(
      'dispatch at 10,000 filters ≥ 1,000,000 lookups/s',
      'trieOpsPerSec',
      figure('dispatch', { n: 10_000 }, 'trieOpsPerSec'),
      (v) => v >= 1e6,
    ),
    check(
      '≤ 2 KiB heap per registered handler',
      'heapPerHandler',
      figure('memory', {}, 'heapPerHandler'),
      (v) => v <= 2048,
    ),
    check(
      'no heap growth from 100,000 to 1,000,000 messages (≤ 1 MiB, noise)',
      'heapGrowth',
      figure('memory', {}, 'heapGrowth'),
      (v) => v <= 2 ** 20,
    ),
    check(
      'start-up, 1,000 handlers: < 500 ms beyond the broker round trips',
      'beyondBrokerMs',
      figure('startup', {}, 'beyondBrokerMs'),
      (v) => v < 500,
    ),
  );
  return checks;
}
