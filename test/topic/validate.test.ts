import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidTopicError, quote, type TopicRule } from '../../src/errors.js';
import {
  isValidTopicFilter,
  isValidTopicName,
  MAX_TOPIC_BYTES,
  validateTopicFilter,
  validateTopicName,
} from '../../src/topic/validate.js';

function rejects(
  validate: (input: string) => void,
  input: string,
  rule: TopicRule,
  kind: 'topic' | 'filter',
) {
  assert.throws(
    () => validate(input),
    (error: unknown) => {
      assert.ok(error instanceof InvalidTopicError);
      assert.equal(error.rule, rule);
      assert.equal(error.kind, kind);
      assert.equal(error.topic, input);
      assert.equal(error.code, 'ERR_MQTT_INVALID_TOPIC');
      const what = kind === 'topic' ? 'topic name' : 'topic filter'; // never "Invalid topic topic"
      assert.ok(error.message.startsWith(`Invalid ${what} ${quote(input)}: `), error.message);
      assert.ok(error.message.includes(`(${rule}, MQTT 5.0 §`), error.message);
      return true;
    },
  );
}

const filterCases: readonly (readonly [string, TopicRule])[] = [
  ['', 'empty'],
  ['a\u0000b', 'null-character'],
  ['a/\ud800', 'lone-surrogate'],
  ['a/\udc00x', 'lone-surrogate'],
  ['\udbff', 'lone-surrogate'],
  ['a+', 'single-level-wildcard-not-whole-level'],
  ['a/++/b', 'single-level-wildcard-not-whole-level'],
  ['a/+#', 'single-level-wildcard-not-whole-level'],
  ['a#', 'multi-level-wildcard-not-whole-level'],
  ['a/#b', 'multi-level-wildcard-not-whole-level'],
  ['#/a', 'multi-level-wildcard-not-last'],
  ['a/#/', 'multi-level-wildcard-not-last'],
  ['$share/', 'invalid-share-group'],
  ['$share//a', 'invalid-share-group'],
  ['$share/a+b/c', 'invalid-share-group'],
  ['$share/#/c', 'invalid-share-group'],
  ['$share/g\u0000/c', 'null-character'],
  ['$share/g', 'invalid-share-filter'],
  ['$share/g/', 'invalid-share-filter'],
  ['$share/g/a+', 'single-level-wildcard-not-whole-level'],
  ['$share/g/#/a', 'multi-level-wildcard-not-last'],
];

describe('validateTopicFilter', () => {
  for (const [filter, rule] of filterCases) {
    it(`rejects ${JSON.stringify(filter)}: ${rule}`, () => {
      rejects(validateTopicFilter, filter, rule, 'filter');
      assert.equal(isValidTopicFilter(filter), false);
    });
  }

  for (const filter of [
    '#',
    '+',
    '/',
    '//',
    '+/+/#',
    'a//b',
    '$SYS/#',
    '$share',
    '$share/g/#',
    '$share/g//',
    'a/😀/+',
  ]) {
    it(`accepts ${JSON.stringify(filter)}`, () => {
      validateTopicFilter(filter);
      assert.equal(isValidTopicFilter(filter), true);
    });
  }

  it('quotes the level that misuses a wildcard', () => {
    assert.throws(() => validateTopicFilter('sensors/dev+ice/t'), /not part of "dev\+ice"/);
    assert.throws(() => validateTopicFilter('$share/g/x/#y'), /not part of "#y"/);
  });
});

describe('validateTopicName', () => {
  const cases: readonly (readonly [string, TopicRule])[] = [
    ['', 'empty'],
    ['a\u0000', 'null-character'],
    ['\udfff', 'lone-surrogate'],
    ['a/+', 'wildcard-in-topic-name'],
    ['a/#', 'wildcard-in-topic-name'],
    ['a+b', 'wildcard-in-topic-name'],
  ];
  for (const [topic, rule] of cases) {
    it(`rejects ${JSON.stringify(topic)}: ${rule}`, () => {
      rejects(validateTopicName, topic, rule, 'topic');
      assert.equal(isValidTopicName(topic), false);
    });
  }

  for (const topic of ['/', 'a//b', ' ', '$SYS/x', '$share/g/x', 'a/😀', '\u0001control']) {
    it(`accepts ${JSON.stringify(topic)}`, () => assert.equal(isValidTopicName(topic), true));
  }

  it('never throws from the boolean checks, even for non-strings', () => {
    assert.equal(isValidTopicName(42 as unknown as string), false);
    assert.equal(isValidTopicFilter(undefined as unknown as string), false);
  });
});

describe('length in UTF-8 bytes', () => {
  const cases: readonly (readonly [string, string, number])[] = [
    ['1-byte', 'a', 1],
    ['2-byte', 'é', 2],
    ['3-byte', '\u0800', 3],
    ['4-byte pair', '😀', 4],
  ];
  for (const [label, unit, size] of cases) {
    it(`counts ${label} characters: ${MAX_TOPIC_BYTES} bytes pass, one more fails`, () => {
      const fill = (bytes: number) => unit.repeat(Math.floor(bytes / size)) + 'a'.repeat(bytes % size);
      assert.equal(isValidTopicName(fill(MAX_TOPIC_BYTES)), true);
      rejects(validateTopicName, fill(MAX_TOPIC_BYTES + 1), 'too-long', 'topic');
      rejects(validateTopicFilter, `${fill(MAX_TOPIC_BYTES - 1)}/#`, 'too-long', 'filter');
    });
  }

  it('measures a shared filter whole, prefix included', () => {
    const body = 'a'.repeat(MAX_TOPIC_BYTES - '$share/g/'.length);
    assert.equal(isValidTopicFilter(`$share/g/${body}`), true);
    rejects(validateTopicFilter, `$share/g/${body}b`, 'too-long', 'filter');
  });

  it('says how many bytes the topic has', () => {
    assert.throws(() => validateTopicName('é'.repeat(40_000)), /80000 bytes in UTF-8, more than the 65535/);
  });

  it('shortens a huge input in the message', () => {
    assert.throws(
      () => validateTopicName('x'.repeat(70_000)),
      (error: unknown) => error instanceof Error && error.message.length < 400,
    );
  });
});
