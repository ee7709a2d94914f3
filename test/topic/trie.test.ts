import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidTopicError } from '../../src/errors.js';
import { TopicTrie } from '../../src/topic/trie.js';

function trieOf(...filters: string[]): TopicTrie<string> {
  const trie = new TopicTrie<string>();
  for (const filter of filters) trie.add(filter, filter);
  return trie;
}

describe('TopicTrie', () => {
  it('returns every matching value, most specific first', () => {
    const filters = ['#', '+/#', '+/+', '+/b', 'a/#', 'a/+', 'a/b', 'a/b/#', 'a/+/#', '+/b/#', '+/+/#'];
    const trie = trieOf(...filters);
    assert.deepEqual(trie.match('a/b'), [
      'a/b',
      'a/b/#',
      'a/+',
      'a/+/#',
      'a/#',
      '+/b',
      '+/b/#',
      '+/+',
      '+/+/#',
      '+/#',
      '#',
    ]);
    assert.deepEqual(trie.match('a'), ['a/#', '+/#', '#']);
    assert.deepEqual(trie.match('x/b'), ['+/b', '+/b/#', '+/+', '+/+/#', '+/#', '#']);
  });

  it('keeps insertion order among filters in the same place', () => {
    const trie = new TopicTrie<number>();
    trie.add('a/+', 3);
    trie.add('a/+', 1);
    trie.add('$share/g/a/+', 2);
    trie.add('a/+', 3);
    assert.deepEqual(trie.match('a/x'), [3, 1, 2]);
  });

  it('returns a value once even when several of its filters match', () => {
    const trie = new TopicTrie<string>();
    trie.add('a/+', 'h1');
    trie.add('a/#', 'h1');
    trie.add('#', 'h2');
    trie.add('$share/g/a/x', 'h1');
    assert.deepEqual(trie.match('a/x'), ['h1', 'h2']);
    assert.deepEqual(trie.match('a/x'), ['h1', 'h2'], 'and again on the next lookup');
  });

  it('matches # on the parent level and + on empty levels', () => {
    const trie = trieOf('sport/#', 'sport/+', '+/+');
    assert.deepEqual(trie.match('sport'), ['sport/#']);
    assert.deepEqual(trie.match('sport/'), ['sport/+', 'sport/#', '+/+']);
    assert.deepEqual(trie.match('/'), ['+/+']);
  });

  it('does not match $ topics with a first-level wildcard', () => {
    const trie = trieOf('#', '+/x', '+/#', '$SYS/#', '$SYS/+', '$share/g/#', '$share/g/$SYS/x');
    assert.deepEqual(trie.match('$SYS/x'), ['$share/g/$SYS/x', '$SYS/+', '$SYS/#']);
    assert.deepEqual(trie.match('a/$x'), ['+/#', '#', '$share/g/#']);
  });

  it('ignores $share/group/ when matching but keeps the filters apart', () => {
    const trie = new TopicTrie<string>();
    trie.add('$share/g1/jobs/+', 'worker');
    trie.add('jobs/+', 'logger');
    assert.deepEqual(trie.match('jobs/1'), ['worker', 'logger']);
    assert.deepEqual(trie.match('$share/g1/jobs/1'), []);
    assert.equal(trie.size, 2);
    assert.equal(trie.remove('jobs/+', 'worker'), false);
    assert.equal(trie.remove('$share/g1/jobs/+', 'worker'), true);
    assert.deepEqual(trie.match('jobs/1'), ['logger']);
  });

  it('counts references: the same pair added twice needs two removes', () => {
    const trie = new TopicTrie<string>();
    trie.add('a/b', 'h');
    trie.add('a/b', 'h');
    assert.equal(trie.remove('a/b', 'h'), true);
    assert.deepEqual(trie.match('a/b'), ['h']);
    assert.equal(trie.has('a/b'), true);
    assert.equal(trie.remove('a/b', 'h'), true);
    assert.deepEqual(trie.match('a/b'), []);
    assert.equal(trie.has('a/b'), false);
    assert.equal(trie.remove('a/b', 'h'), false);
  });

  it('keeps two values on one filter, and removes them one by one', () => {
    const trie = new TopicTrie<string>();
    trie.add('a/+', 'h1');
    trie.add('a/+', 'h2');
    assert.equal(trie.size, 1);
    assert.deepEqual(trie.match('a/b'), ['h1', 'h2']);
    assert.equal(trie.remove('a/+', 'h1'), true);
    assert.deepEqual(trie.match('a/b'), ['h2']);
    assert.equal(trie.has('a/+'), true);
    assert.equal(trie.remove('a/+', 'h3'), false);
    assert.equal(trie.remove('b/+', 'h2'), false);
  });

  it('prunes emptied branches without harming their neighbours', () => {
    const trie = trieOf('a/b/c/d', 'a/b', 'a/+/c/#');
    trie.remove('a/b/c/d', 'a/b/c/d');
    assert.deepEqual(trie.match('a/b/c/d'), ['a/+/c/#']);
    assert.deepEqual(trie.match('a/b'), ['a/b']);
    trie.remove('a/+/c/#', 'a/+/c/#');
    trie.remove('a/b', 'a/b');
    assert.equal(trie.size, 0);
    trie.add('a/b/c/d', 'again');
    assert.deepEqual(trie.match('a/b/c/d'), ['again']);
  });

  it('re-adding after a full removal goes to the end of the order', () => {
    const trie = new TopicTrie<string>();
    trie.add('x', 'first');
    trie.add('x', 'second');
    trie.remove('x', 'first');
    trie.add('x', 'first');
    assert.deepEqual(trie.match('x'), ['second', 'first']);
  });

  it('compares values like Map keys', () => {
    const trie = new TopicTrie<number>();
    trie.add('a', Number.NaN);
    trie.add('a', Number.NaN);
    assert.deepEqual(trie.match('a'), [Number.NaN]);
    assert.equal(trie.remove('a', Number.NaN), true);
    assert.equal(trie.remove('a', Number.NaN), true);
    assert.equal(trie.size, 0);
  });

  it('lists filters, has, size and clear', () => {
    const trie = trieOf('b/#', 'a', '$share/g/a');
    trie.add('a', 'twice');
    assert.deepEqual([...trie.filters()], ['b/#', 'a', '$share/g/a']);
    assert.equal(trie.size, 3);
    assert.equal(trie.has('$share/g/a'), true);
    assert.equal(trie.has('$share/h/a'), false);
    trie.clear();
    assert.equal(trie.size, 0);
    assert.deepEqual(trie.match('a'), []);
    assert.deepEqual([...trie.filters()], []);
  });

  it('refuses invalid filters and never matches invalid topics', () => {
    const trie = trieOf('#');
    assert.throws(() => trie.add('a/#/b', 'x'), InvalidTopicError);
    assert.throws(() => trie.add('$share//a', 'x'), InvalidTopicError);
    assert.equal(trie.size, 1);
    assert.deepEqual(trie.match('a/+'), []);
    assert.deepEqual(trie.match(''), []);
    assert.deepEqual(trie.match('a\u0000'), []);
  });

  it('matchLevels appends to the array it is given', () => {
    const trie = trieOf('a/+', '#');
    const out = ['kept'];
    assert.equal(trie.matchLevels(['a', 'b'], out), out);
    assert.deepEqual(out, ['kept', 'a/+', '#']);
    out.length = 0;
    trie.matchLevels(['$x'], out);
    assert.deepEqual(out, []);
    assert.deepEqual(trie.matchLevels([]), []);
  });

  it('oneFilterPerValue: same matches, reference counts and removal, without counting values across filters', () => {
    const trie = new TopicTrie<string>({ oneFilterPerValue: true });
    for (const filter of ['a/b', 'a/+', '#', '$share/g/a/b']) trie.add(filter, `v:${filter}`);
    trie.add('a/+', 'v:a/+');
    assert.deepEqual(trie.match('a/b'), ['v:a/b', 'v:$share/g/a/b', 'v:a/+', 'v:#']);
    assert.equal(trie.remove('a/+', 'v:a/+'), true);
    assert.deepEqual(trie.match('a/c'), ['v:a/+', 'v:#'], 'one of two references removed');
    assert.equal(trie.remove('a/+', 'v:a/+'), true);
    assert.deepEqual(trie.match('a/c'), ['v:#']);
    assert.equal(trie.remove('a/+', 'v:a/+'), false);
    trie.clear();
    assert.equal(trie.size, 0);
  });
});
