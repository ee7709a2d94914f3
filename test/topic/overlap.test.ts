import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { matchTopic } from '../../src/index.js';
import { filtersOverlap } from '../../src/topic/overlap.js';
import { OverlapIndex } from '../../src/topic/overlap-index.js';

const level = fc.constantFrom('a', 'b', '$x', '', '+');
const filter = fc
  .tuple(fc.array(level, { minLength: 1, maxLength: 4 }), fc.boolean())
  .map(([levels, hash]) => (hash ? [...levels, '#'] : levels).join('/'));
const topic = fc
  .array(fc.constantFrom('a', 'b', '$x', ''), { minLength: 1, maxLength: 5 })
  .map((l) => l.join('/'));

describe('filter overlap', () => {
  it('agrees with examples', () => {
    assert.equal(filtersOverlap('sensors/#', 'sensors/+/temperature'), true);
    assert.equal(filtersOverlap('a/#', 'a'), true);
    assert.equal(filtersOverlap('a/+', 'a'), false);
    assert.equal(filtersOverlap('#', '$SYS/x'), false);
    assert.equal(filtersOverlap('+/x', '$SYS/x'), false);
    assert.equal(filtersOverlap('$share/g/a/+', 'a/b'), true);
    assert.equal(filtersOverlap('a/b', 'a/c'), false);
  });

  it('is true exactly when some topic matches both (checked against matchTopic)', () => {
    const topics = fc.sample(topic, 3000);
    fc.assert(
      fc.property(filter, filter, (x, y) => {
        const witness = topics.some((t) => matchTopic(x, t) && matchTopic(y, t));
        // A witness proves overlap; without one, overlap must come from a topic outside the sample,
        // so only the first direction is exact: check it, and that the relation is symmetric.
        if (witness) assert.equal(filtersOverlap(x, y), true, `${x} ~ ${y}`);
        assert.equal(filtersOverlap(x, y), filtersOverlap(y, x));
      }),
      { numRuns: 3000 },
    );
  });

  it('OverlapIndex finds exactly the filters that filtersOverlap names', () => {
    fc.assert(
      fc.property(fc.uniqueArray(filter, { maxLength: 30 }), filter, (indexed, query) => {
        const index = new OverlapIndex<string>();
        for (const f of indexed) index.add(f, f);
        const expected = indexed.filter((f) => filtersOverlap(f, query)).sort();
        assert.deepEqual([...index.overlapping(query)].sort(), expected, query);
      }),
      { numRuns: 2000 },
    );
  });
});
