import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidTopicError, type TopicRule } from '../../src/errors.js';
import { matchTopic } from '../../src/topic/match.js';
import { parsePattern } from '../../src/topic/pattern.js';

describe('parsePattern', () => {
  it('turns named wildcards into a plain filter', () => {
    const p = parsePattern('sensors/+deviceId/temperature');
    assert.equal(p.pattern, 'sensors/+deviceId/temperature');
    assert.equal(p.filter, 'sensors/+/temperature');
    assert.equal(p.subscriptionFilter, 'sensors/+/temperature');
    assert.equal(p.group, undefined);
    assert.deepEqual(p.paramNames, ['deviceId']);
    assert.deepEqual(p.extract('sensors/d-17/temperature'), { deviceId: 'd-17' });
  });

  it('captures #rest as the remaining levels joined by "/"', () => {
    const p = parsePattern('logs/+app/#rest');
    assert.equal(p.filter, 'logs/+/#');
    assert.deepEqual(p.extract('logs/api'), { app: 'api', rest: '' });
    assert.deepEqual(p.extract('logs/api/'), { app: 'api', rest: '' });
    assert.deepEqual(p.extract('logs/api/x'), { app: 'api', rest: 'x' });
    assert.deepEqual(p.extract('logs/api/x/y/z'), { app: 'api', rest: 'x/y/z' });
    assert.deepEqual(p.extract('logs/api//y/'), { app: 'api', rest: '/y/' });
  });

  it('captures empty levels as empty strings', () => {
    const p = parsePattern('+a/+b/+c');
    assert.deepEqual(p.extract('//'), { a: '', b: '', c: '' });
    assert.deepEqual(p.extract('x//z'), { a: 'x', b: '', c: 'z' });
  });

  it('a lone #name captures the whole topic', () => {
    const p = parsePattern('#all');
    assert.equal(p.filter, '#');
    assert.deepEqual(p.extract('a/b/c'), { all: 'a/b/c' });
  });

  it('keeps bare wildcards and other levels as written', () => {
    const p = parsePattern('+/x/+id/$meta/#');
    assert.equal(p.filter, '+/x/+/$meta/#');
    assert.deepEqual(p.paramNames, ['id']);
    assert.deepEqual(p.extract('a/x/7/$meta/q'), { id: '7' });
  });

  it('reads parameters from levels, in pattern order', () => {
    const p = parsePattern('+site/device/+device/#path');
    const params = p.extractLevels(['s1', 'device', 'd2', 'a', 'b']);
    assert.deepEqual(Object.keys(params), ['site', 'device', 'path']);
    assert.deepEqual(params, { site: 's1', device: 'd2', path: 'a/b' });
    assert.notEqual(p.extractLevels(['s1', 'device', 'd2']), p.extractLevels(['s1', 'device', 'd2']));
  });

  it('without names, returns one shared frozen empty object', () => {
    const p = parsePattern('a/+/#');
    const first = p.extractLevels(['a', 'b', 'c']);
    assert.deepEqual(first, {});
    assert.ok(Object.isFrozen(first));
    assert.equal(p.extractLevels(['a', 'x']), first);
    assert.equal(p.extract('a/b'), first);
    assert.equal(parsePattern('other').extract('other'), first);
  });

  it('parses $share/group/ into group and subscriptionFilter', () => {
    const p = parsePattern('$share/workers/jobs/+kind/#rest');
    assert.equal(p.group, 'workers');
    assert.equal(p.filter, 'jobs/+/#');
    assert.equal(p.subscriptionFilter, '$share/workers/jobs/+/#');
    assert.deepEqual(p.paramNames, ['kind', 'rest']);
    assert.deepEqual(p.extract('jobs/email/1/2'), { kind: 'email', rest: '1/2' });
  });

  it('is frozen', () => {
    const p = parsePattern('a/+b');
    assert.ok(Object.isFrozen(p));
    assert.ok(Object.isFrozen(p.paramNames));
  });

  it('gives a filter that matches what the pattern means', () => {
    const p = parsePattern('home/+room/#rest');
    assert.equal(matchTopic(p.filter, 'home/kitchen'), true);
    assert.equal(matchTopic(p.filter, 'home'), false);
  });

  const errors: readonly (readonly [string, TopicRule, RegExp])[] = [
    ['a/+1x', 'invalid-parameter-name', /"1x"/],
    ['a/+x-y', 'invalid-parameter-name', /"x-y"/],
    ['a/++', 'invalid-parameter-name', /"\+"/],
    ['a/+é', 'invalid-parameter-name', /"é"/],
    ['a/+__proto__', 'invalid-parameter-name', /__proto__/],
    ['+id/+id', 'duplicate-parameter-name', /"id" is used twice/],
    ['+id/#id', 'duplicate-parameter-name', /"id"/],
    ['#rest/x', 'multi-level-wildcard-not-last', /the filter is "#\/x"/],
    ['a/x+id', 'single-level-wildcard-not-whole-level', /"x\+id"/],
    ['', 'empty', /at least one character/],
    ['a/\u0000', 'null-character', /U\+0000/],
    ['$share//a/+id', 'invalid-share-group', /share name/],
    ['$share/g', 'invalid-share-filter', /after its share name/],
  ];
  for (const [pattern, rule, detail] of errors) {
    it(`rejects ${JSON.stringify(pattern)}: ${rule}`, () => {
      assert.throws(
        () => parsePattern(pattern),
        (error: unknown) => {
          assert.ok(error instanceof InvalidTopicError);
          assert.equal(error.kind, 'pattern');
          assert.equal(error.rule, rule);
          assert.equal(error.topic, pattern);
          assert.ok(error.message.includes(JSON.stringify(pattern)), error.message);
          assert.ok(error.message.includes(rule), error.message);
          assert.match(error.message, detail);
          return true;
        },
      );
    });
  }
});
