/**
 * The trie against matchTopic, on random filters and topics from a small alphabet that makes
 * collisions likely: '+', '#', '$' levels, empty levels and $share/g/ prefixes.
 * Also checks the documented order and the once-per-value rule against a reference.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { matchTopic } from '../../src/topic/match.js';
import { TopicTrie } from '../../src/topic/trie.js';
import { isValidTopicFilter, isValidTopicName } from '../../src/topic/validate.js';

const WORDS = ['a', 'b', '$', '$a', ''];
const word = fc.constantFrom(...WORDS);
const filterLevel = fc.constantFrom(...WORDS, '+', '+', '#');

/** Valid filters: '#' only last; sometimes shared. */
const filter = fc
  .tuple(
    fc.array(filterLevel, { minLength: 1, maxLength: 4 }),
    fc.constantFrom('', '', '', '$share/g/', '$share/h/'),
  )
  .map(
    ([levels, share]) =>
      share + levels.map((l, i) => (l === '#' && i < levels.length - 1 ? '+' : l)).join('/'),
  )
  .filter(isValidTopicFilter);

/** Topic names, plus a few invalid ones (with wildcards) that must match nothing. */
const topic = fc.oneof(
  { weight: 9, arbitrary: fc.array(word, { minLength: 1, maxLength: 5 }).map((l) => l.join('/')) },
  { weight: 1, arbitrary: fc.array(filterLevel, { minLength: 1, maxLength: 3 }).map((l) => l.join('/')) },
);

/** The documented order: per level exact < '+' < '#', shorter before longer; then insertion. */
function rank(filter: string): number[] {
  const body = filter.startsWith('$share/') ? filter.slice(filter.indexOf('/', 7) + 1) : filter;
  return body.split('/').map((level) => (level === '#' ? 2 : level === '+' ? 1 : 0));
}

function compareRanks(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

function expected(registrations: readonly (readonly [string, number])[], topic: string): number[] {
  const matching = registrations.filter(([f]) => matchTopic(f, topic));
  const ordered = matching
    .map(([f, v], order) => ({ f, v, order, rank: rank(f) }))
    .sort((x, y) => compareRanks(x.rank, y.rank) || x.order - y.order);
  return [...new Set(ordered.map((r) => r.v))];
}

describe('TopicTrie property: agrees with matchTopic', () => {
  it('on at least 10,000 random filter/topic pairs', (context) => {
    let pairs = 0;
    fc.assert(
      fc.property(
        fc.array(filter, { minLength: 1, maxLength: 60, size: 'max' }),
        fc.array(topic, { minLength: 1, maxLength: 30, size: 'max' }),
        fc.integer({ min: 1, max: 80 }),
        (filters, topics, distinct) => {
          // values collide (index % distinct) so one value may sit under several filters
          const registrations = filters.map((f, i) => [f, i % distinct] as const);
          const trie = new TopicTrie<number>();
          const seen = new Set<string>();
          const firsts = registrations.filter(([f, v]) => {
            const key = `${v} ${f}`;
            if (seen.has(key)) return false;
            seen.add(key);
            return true;
          });
          for (const [f, v] of registrations) trie.add(f, v);
          for (const t of topics) {
            pairs += filters.length;
            const got = trie.match(t);
            assert.deepEqual(
              [...got].sort((x, y) => x - y),
              [...new Set(registrations.filter(([f]) => matchTopic(f, t)).map(([, v]) => v))].sort(
                (x, y) => x - y,
              ),
              `topic ${JSON.stringify(t)}`,
            );
            assert.deepEqual(got, expected(firsts, t), `order for ${JSON.stringify(t)}`);
            if (isValidTopicName(t)) assert.deepEqual(trie.matchLevels(t.split('/')), got, 'matchLevels');
          }
        },
      ),
      { numRuns: 300 },
    );
    assert.ok(pairs >= 10_000, `only ${pairs} pairs`);
    context.diagnostic(`${pairs} filter/topic pairs compared`);
  });

  it('still agrees after random removals', () => {
    fc.assert(
      fc.property(
        fc.array(filter, { minLength: 1, maxLength: 40 }),
        fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }),
        fc.array(topic, { minLength: 1, maxLength: 20 }),
        (filters, drop, topics) => {
          const trie = new TopicTrie<number>();
          for (const [i, f] of filters.entries()) trie.add(f, i);
          for (const [i, f] of filters.entries()) if (drop[i]) assert.equal(trie.remove(f, i), true);
          for (const t of topics) {
            const want = filters.flatMap((f, i) => (!drop[i] && matchTopic(f, t) ? [i] : []));
            assert.deepEqual(
              [...trie.match(t)].sort((x, y) => x - y),
              want,
            );
          }
          assert.equal(trie.size, new Set(filters.filter((_, i) => !drop[i])).size);
        },
      ),
      { numRuns: 200 },
    );
  });
});
