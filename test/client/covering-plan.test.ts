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

  it('keeps $ filters apart from leading wildcards by default (MQTT 4.7.2)', () => {
    const plan = coveringPlan(['+/b/+', '$a/b/+', '#', '$SYS/x']);
    assert.equal(plan.get('+/b/+'), '#');
    assert.equal(plan.get('$a/b/+'), '$a/b/+');
    assert.equal(plan.get('$SYS/x'), '$SYS/x');
  });

  it('merges $ filters with leading wildcards for a broker whose wildcards match $ topics (NATS)', () => {
    const plan = coveringPlan(['+/b/+', '$a/b/+', 'c/d'], true);
    assert.equal(plan.get('+/b/+'), '+/b/+');
    assert.equal(plan.get('$a/b/+'), '+/b/+');
    assert.equal(plan.get('c/d'), 'c/d');
    const hash = coveringPlan(['$SYS/#', '#', '$a/b'], true);
    assert.deepEqual(new Set(hash.values()), new Set(['#']));
    // Filters not starting with a wildcard keep the 4.7.2 reading either way.
    assert.equal(coveringPlan(['x/+', '$x/y'], true).get('$x/y'), '$x/y');
  });
});
