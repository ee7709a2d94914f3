import assert from 'node:assert/strict';
import { it } from 'node:test';
import { relativeSpread, shuffle } from '../../bench/lib/stats.js';

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
