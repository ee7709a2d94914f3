import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { coveringPlan, generalise } from '../../src/client/covering-plan.js';
import { matchTopic } from '../../src/topic/index.js';
import { filtersOverlap } from '../../src/topic/overlap.js';

describe('coveringPlan', () => {
  it('generalises two filters to the most specific filter matching both', () => {
    assert.equal(generalise('a/+/c', 'a/b/+'), 'a/+/+');
    assert.equal(generalise('a/b', 'a/#'), 'a/#');
    assert.equal(generalise('a/b', 'a/b/c'), 'a/b/#');
    assert.equal(generalise('a', 'a/b'), 'a/#');
    assert.equal(generalise('x/y', 'x/y'), 'x/y');
  });

  it('sends filters that overlap nothing as they are', () => {
    const plan = coveringPlan(['a/b', 'c/+', 'd/#']);
    assert.deepEqual(Object.fromEntries(plan), { 'a/b': 'a/b', 'c/+': 'c/+', 'd/#': 'd/#' });
  });

  it('covers overlapping filters with one, and the result overlaps nothing', () => {
    const wanted = ['sensors/+/temp', 'sensors/kitchen/+', 'sensors/#', 'other/x', 'a/+/c', 'a/b/+', 'a/x/y'];
    const plan = coveringPlan(wanted);
    assert.equal(plan.get('sensors/+/temp'), 'sensors/#');
    assert.equal(plan.get('sensors/kitchen/+'), 'sensors/#');
    assert.equal(plan.get('other/x'), 'other/x');
    // a/+/c and a/b/+ become a/+/+, which then also covers a/x/y.
    assert.equal(plan.get('a/+/c'), 'a/+/+');
    assert.equal(plan.get('a/x/y'), 'a/+/+');
    const wires = [...new Set(plan.values())];
    for (const x of wires)
      for (const y of wires) if (x !== y) assert.equal(filtersOverlap(x, y), false, `${x} ~ ${y}`);
    for (const filter of wanted) {
      const wire = plan.get(filter)!;
      for (const topic of ['sensors/kitchen/temp', 'a/b/c', 'a/x/y', 'other/x'])
        if (matchTopic(filter, topic)) assert.ok(matchTopic(wire, topic), `${wire} covers ${topic}`);
    }
  });
});
