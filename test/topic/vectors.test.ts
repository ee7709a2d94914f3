import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidTopicError } from '../../src/errors.js';
import { isValidTopicFilter, isValidTopicName, matchTopic, TopicTrie } from '../../src/topic/index.js';
import { validateTopicFilter, validateTopicName } from '../../src/topic/validate.js';
import { type MatchVector, matchVectors, show, validityVectors } from './vectors.js';

/** Whether a trie holding just `filter` matches `topic`; a filter the trie refuses holds nothing. */
function trieMatches(filter: string, topic: string): boolean {
  const trie = new TopicTrie<string>();
  try {
    trie.add(filter, 'handler');
  } catch (error) {
    assert.ok(error instanceof InvalidTopicError);
    return false;
  }
  return trie.match(topic).length > 0;
}

function title(v: MatchVector): string {
  return `${show(v.filter)} ${v.match ? 'matches' : 'does not match'} ${show(v.topic)} (${v.source.split(' ')[0]})`;
}

describe('topic-vectors.json', () => {
  it('has the 155 cases we expect', () => assert.equal(matchVectors.length, 155));

  describe('matchTopic', () => {
    for (const v of matchVectors) it(title(v), () => assert.equal(matchTopic(v.filter, v.topic), v.match));
  });

  describe('TopicTrie holding only the filter', () => {
    for (const v of matchVectors) it(title(v), () => assert.equal(trieMatches(v.filter, v.topic), v.match));
  });

  describe('validators agree with the error field', () => {
    for (const v of matchVectors) {
      const badFilter = v.error === 'filter' || v.error === 'filter+topic';
      const badTopic = v.error === 'topic' || v.error === 'filter+topic';
      it(`${show(v.filter)} ${badFilter ? 'invalid' : 'valid'}, ${show(v.topic)} ${badTopic ? 'invalid' : 'valid'}`, () => {
        assert.equal(isValidTopicFilter(v.filter), !badFilter);
        assert.equal(isValidTopicName(v.topic), !badTopic);
      });
    }
  });
});

describe('validity-vectors.json', () => {
  it('has the 182 cases we expect', () => assert.equal(validityVectors.length, 182));

  for (const v of validityVectors) {
    const name = `${v.kind} ${show(v.value)} is ${v.valid ? 'valid' : 'invalid'} (${v.source.split(' ')[0]})`;
    if (v.scope !== undefined) {
      it(`${name}: skipped, ${v.scope} is one implementation's policy, not the spec`, { skip: v.scope });
      continue;
    }
    it(name, () => {
      const validate = v.kind === 'topic' ? validateTopicName : validateTopicFilter;
      const isValid = v.kind === 'topic' ? isValidTopicName : isValidTopicFilter;
      assert.equal(isValid(v.value), v.valid);
      if (v.valid) {
        validate(v.value);
        return;
      }
      assert.throws(
        () => validate(v.value),
        (error: unknown) =>
          error instanceof InvalidTopicError &&
          error.kind === v.kind &&
          error.topic === v.value &&
          error.message.includes(`(${error.rule}, MQTT`),
      );
    });
    if (v.kind === 'filter') {
      it(`${name}: the trie ${v.valid ? 'accepts' : 'refuses'} it`, () => {
        const trie = new TopicTrie<number>();
        if (v.valid) trie.add(v.value, 1);
        else assert.throws(() => trie.add(v.value, 1), InvalidTopicError);
        assert.equal(trie.size, v.valid ? 1 : 0);
      });
    }
  }
});
