import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidTopicError } from '../../src/errors.js';
import { joinTopic, parsePattern } from '../../src/topic/pattern.js';

describe('joinTopic', () => {
  const cases: readonly (readonly [string, string, string, string])[] = [
    ['sensors', '+id/t', 'sensors/+id/t', 'one slash at the seam'],
    ['sensors/', '+id/t', 'sensors/+id/t', "the prefix's trailing slash is a separator"],
    ['sensors', '/x', 'sensors/x', "the pattern's leading slash is a separator"],
    ['sensors/', '/x', 'sensors/x', 'both separators make one'],
    ['a//', 'b', 'a//b', 'a second trailing slash is an empty level'],
    ['a', '//b', 'a//b', 'a second leading slash is an empty level'],
    ['a/', '//b', 'a//b', 'one separator on each side, one empty level'],
    ['a//', '//b', 'a///b', 'two empty levels'],
    ['a', '/', 'a/', 'a lone slash pattern is an empty last level'],
    ['/', 'x', '/x', 'a lone slash prefix is an empty first level'],
    ['', 'x/+y', 'x/+y', 'empty prefix: the pattern as written'],
    ['', '/x', '/x', 'empty prefix keeps a leading slash'],
    ['sensors', '', 'sensors', 'empty pattern: the prefix as written'],
    ['sensors/', '', 'sensors/', 'empty pattern keeps a trailing slash (no seam)'],
    ['', '', '', 'both empty (parsePattern then rejects it)'],
    ['a/+x', '#rest', 'a/+x/#rest', 'named wildcards on both sides'],
    ['$share/g/sensors', '+id', '$share/g/sensors/+id', 'a shared prefix goes in front'],
    ['$share/g', '+id', '$share/g/+id', 'a prefix can be just $share/{group}'],
    ['$share/g/', 'x', '$share/g/x', 'a prefix can be $share/{group}/'],
    ['sensors', '$share/g/+id', '$share/g/sensors/+id', 'a shared pattern goes in front too'],
    ['sensors', '$share/g//x', '$share/g/sensors/x', "the shared pattern's body follows the seam rules"],
    ['', '$share/g//x', '$share/g//x', 'no prefix: the shared pattern as written'],
    ['$share/g/a', '$share/g/b', '$share/g/a/b', 'the same group on both sides'],
    ['$shared/a', 'b', '$shared/a/b', '$shared is not a share prefix'],
  ];
  for (const [prefix, pattern, joined, why] of cases) {
    it(`${JSON.stringify(prefix)} + ${JSON.stringify(pattern)} → ${JSON.stringify(joined)}: ${why}`, () => {
      assert.equal(joinTopic(prefix, pattern), joined);
    });
  }

  it('refuses two different share groups', () => {
    assert.throws(
      () => joinTopic('$share/a/sensors', '$share/b/+id'),
      (error: unknown) =>
        error instanceof InvalidTopicError &&
        error.rule === 'share-group-conflict' &&
        error.kind === 'pattern' &&
        /group "b" but its prefix "\$share\/a\/sensors" with group "a"/.test(error.message),
    );
  });

  it('feeds parsePattern', () => {
    const p = parsePattern(joinTopic('$share/g/sensors/', '+id/temperature'));
    assert.equal(p.subscriptionFilter, '$share/g/sensors/+/temperature');
    assert.deepEqual(p.extract('sensors/7/temperature'), { id: '7' });
  });
});
