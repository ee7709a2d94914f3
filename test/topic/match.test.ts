import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { matchTopic } from '../../src/topic/match.js';

describe('matchTopic', () => {
  const cases: readonly (readonly [string, string, boolean])[] = [
    ['sport/#', 'sport', true],
    ['sport/#', 'sports', false],
    ['sport/+', 'sport/', true],
    ['+', '', false],
    ['+/+', '/', true],
    ['/', '/', true],
    ['a/', 'a', false],
    ['a', 'a/', false],
    ['#', '/', true],
    ['+/#', '$SYS/x', false],
    ['$SYS/#', '$SYS', true],
    ['a/+/#', 'a', false],
    ['a/+/#', 'a/', true],
    ['$share/g/#', 'any/thing', true],
    ['$share/g/#', '$SYS/x', false],
    ['$share/g/$SYS/+', '$SYS/x', true],
    ['$share/g/a', '$share/g/a', false],
    ['$share/g', 'g', false],
    ['a/😀/+', 'a/😀/x', true],
    ['a/😀', 'a/😁', false],
  ];
  for (const [filter, topic, expected] of cases) {
    it(`${JSON.stringify(filter)} ${expected ? 'matches' : 'does not match'} ${JSON.stringify(topic)}`, () => {
      assert.equal(matchTopic(filter, topic), expected);
    });
  }

  it('returns false, never throws, for input that is not a string', () => {
    assert.equal(matchTopic(undefined as unknown as string, 'a'), false);
    assert.equal(matchTopic('#', null as unknown as string), false);
  });
});
