import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidTopicError } from '../../src/errors.js';
import { isSharedFilter, shareFilter, splitSharedFilter } from '../../src/topic/shared.js';

describe('splitSharedFilter', () => {
  const cases: readonly (readonly [string, string | undefined, string])[] = [
    ['$share/g/a/b', 'g', 'a/b'],
    ['$share/g//finance', 'g', '/finance'],
    ['$share/g/#', 'g', '#'],
    ['$share/g/$share/x', 'g', '$share/x'],
    ['a/b', undefined, 'a/b'],
    ['$share', undefined, '$share'],
    ['$shared/g/a', undefined, '$shared/g/a'],
    ['$SHARE/g/a', undefined, '$SHARE/g/a'],
    // structural only: malformed shared filters split, validation is a separate step
    ['$share/g', 'g', ''],
    ['$share/', '', ''],
  ];
  for (const [input, group, filter] of cases) {
    it(`${JSON.stringify(input)} → group ${JSON.stringify(group)}, filter ${JSON.stringify(filter)}`, () => {
      assert.deepEqual(splitSharedFilter(input), { group, filter });
      assert.equal(isSharedFilter(input), group !== undefined);
    });
  }
});

describe('shareFilter', () => {
  it('prefixes a valid filter', () => {
    assert.equal(shareFilter('workers', 'jobs/+'), '$share/workers/jobs/+');
    assert.equal(shareFilter('g', '/finance'), '$share/g//finance');
  });

  for (const [group, filter, rule] of [
    ['', 'a', 'invalid-share-group'],
    ['a/b', 'c', 'invalid-share-group'],
    ['a+', 'c', 'invalid-share-group'],
    ['#', 'c', 'invalid-share-group'],
    ['g', '', 'invalid-share-filter'],
    ['g', 'a/#/b', 'multi-level-wildcard-not-last'],
  ] as const) {
    it(`refuses group ${JSON.stringify(group)} with filter ${JSON.stringify(filter)}: ${rule}`, () => {
      assert.throws(
        () => shareFilter(group, filter),
        (error: unknown) =>
          error instanceof InvalidTopicError && error.rule === rule && error.kind === 'filter',
      );
    });
  }
});
