import assert from 'node:assert/strict';
import { it } from 'node:test';
import { median, medianWithInterval, relativeSpread, shuffle } from '../../bench/lib/stats.js';

it('shuffle gives a permutation, the same for the same seed', () => {
  const items = [0, 1, 2, 3, 4, 5, 6];
  for (let seed = 0; seed < 50; seed++) {
    const order = shuffle(items, seed);
    assert.deepEqual(
      [...order].sort((a, b) => a - b),
      items,
      `seed ${seed}`,
    );
    assert.deepEqual(shuffle(items, seed), order, `seed ${seed}`);
  }
  assert.deepEqual(items, [0, 1, 2, 3, 4, 5, 6], 'the input is left as it was');
});

it('shuffle puts each item after several different ones over the rounds of a drain', () => {
  // What rotation could not: with rotation, item 2 always follows item 1.
  const predecessors = new Set<number | undefined>();
  for (let seed = 0; seed < 21; seed++) {
    const order = shuffle([0, 1, 2, 3, 4, 5, 6], seed);
    predecessors.add(order[order.indexOf(2) - 1]);
  }
  assert.ok(predecessors.size >= 5, `item 2 followed only ${[...predecessors].join(', ')}`);
});

it('relativeSpread: the 10th to 90th percentile over the median, blind to one slow round in twenty', () => {
  // Nearest rank over 20 rounds: the 10th percentile is the 2nd lowest, the 90th the 18th.
  const steady = [
    100, 101, 99, 100, 102, 98, 100, 101, 99, 100, 100, 101, 99, 100, 102, 98, 100, 101, 99, 100,
  ];
  assert.equal(relativeSpread(steady), (101 - 98) / 100);
  // One round in a slow spell moves nothing.
  assert.equal(relativeSpread([...steady.slice(0, 19), 40]), (101 - 98) / 100);
  // A machine that slowed by 40 % from the middle of the run on.
  const shifted = [...steady.slice(0, 10), ...steady.slice(10).map((rate) => rate * 0.6)];
  assert.ok(relativeSpread(shifted) > 0.5, String(relativeSpread(shifted)));
  assert.ok(Number.isNaN(relativeSpread([])));
});

it('median ignores the rounds that gave no figure (NaN)', () => {
  assert.equal(median([3, Number.NaN, 1, 2]), 2);
  assert.ok(Number.isNaN(median([Number.NaN])));
});

it('medianWithInterval: the order statistics of a 95 % interval for the median', () => {
  const ranks = Array.from({ length: 31 }, (_, i) => i + 1);
  // n = 31: P(Binomial(31, ½) ≤ 9) = 0.0147, P(≤ 10) = 0.0354, so the 10th and the 22nd.
  assert.deepEqual(medianWithInterval([...ranks].reverse()), { median: 16, low: 10, high: 22 });
  // n = 21: the 6th and the 16th.
  assert.deepEqual(medianWithInterval(ranks.slice(0, 21)), { median: 11, low: 6, high: 16 });
  // Under 6 values no interval reaches 95 %.
  const five = medianWithInterval([1, 2, 3, 4, 5]);
  assert.equal(five.median, 3);
  assert.ok(Number.isNaN(five.low) && Number.isNaN(five.high));
  assert.deepEqual(medianWithInterval([Number.NaN, 1, 2, 3, 4, 5, 6]), { median: 3.5, low: 1, high: 6 });
});

it('medianWithInterval holds the true median in about 95 % of samples, whatever their shape', () => {
  let state = 0x2545f491;
  const uniform = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  // A skewed distribution (exponential, median ln 2) of 31 rounds, 4,000 times.
  let covered = 0;
  const trials = 4000;
  for (let t = 0; t < trials; t++) {
    const sample = Array.from({ length: 31 }, () => -Math.log(1 - uniform()));
    const { low, high } = medianWithInterval(sample);
    if (low <= Math.LN2 && Math.LN2 <= high) covered++;
  }
  // Exact coverage for n = 31 is 1 − 2 × 0.0147 = 0.971.
  assert.ok(covered / trials > 0.955 && covered / trials < 0.985, String(covered / trials));
});
