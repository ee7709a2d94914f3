import assert from 'node:assert/strict';
import { it } from 'node:test';
import { shuffle } from '../../bench/lib/stats.js';

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
