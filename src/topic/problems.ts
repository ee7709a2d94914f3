/**
 * The rules of MQTT 5.0 §4.7 and §4.8.2 (the same as 3.1.1's §4.7 for plain topics), as
 * functions that return what is wrong with a topic name or filter, or `undefined`.
 *
 * They never throw, so the boolean checks and `matchTopic` cost one pass over the input and
 * no allocation; `validate.ts` turns a problem into an `InvalidTopicError`.
 */
import type { TopicRule } from '../errors.js';
import { isHighSurrogate, isLowSurrogate, utf8Length } from './utf8.js';

/** What is wrong with a topic: the rule broken and a sentence naming it, for an error message. */
export interface TopicProblem {
  readonly rule: TopicRule;
  readonly detail: string;
}

/** The longest topic name or filter: a UTF-8 string's length prefix is 16 bits (§1.5.4). */
export const MAX_TOPIC_BYTES = 65_535;

/** A filter starting with this is a shared subscription: `$share/{ShareName}/{filter}` (§4.8.2). */
export const SHARE_PREFIX = '$share/';

const NUL = 0x00;
const HASH = 0x23;
const PLUS = 0x2b;
const SLASH = 0x2f;

/** What part of a topic string a scan checks; it decides what a wildcard character means. */
type Part = 'name' | 'filter' | 'group';

function problem(rule: TopicRule, sentence: string, section: string): TopicProblem {
  return { rule, detail: `${sentence} (${rule}, MQTT 5.0 §${section})` };
}

const EMPTY = problem('empty', 'it must be at least one character long', '4.7.3');
const NOT_A_STRING: TopicProblem = {
  rule: 'not-a-string',
  detail: 'a topic must be a string (not-a-string)',
};

/** The problem of a topic name (what PUBLISH carries), if any. */
export function topicNameProblem(topic: string): TopicProblem | undefined {
  if (typeof topic !== 'string') return NOT_A_STRING;
  if (topic.length === 0) return EMPTY;
  return lengthProblem(topic) ?? scan(topic, 0, topic.length, 'name');
}

/** The problem of a topic filter (what SUBSCRIBE carries, shared or not), if any. */
export function topicFilterProblem(filter: string): TopicProblem | undefined {
  if (typeof filter !== 'string') return NOT_A_STRING;
  if (filter.length === 0) return EMPTY;
  const tooLong = lengthProblem(filter);
  if (tooLong !== undefined) return tooLong;
  if (!filter.startsWith(SHARE_PREFIX)) return scan(filter, 0, filter.length, 'filter');
  return sharedProblem(filter);
}

/** The problem of a share name on its own (non-empty; no `/`, `+`, `#`), if any. */
export function shareGroupProblem(group: string): TopicProblem | undefined {
  if (group.length === 0) return emptyGroup();
  const slash = group.indexOf('/');
  if (slash >= 0) return groupCharacter('/');
  return scan(group, 0, group.length, 'group');
}

function sharedProblem(filter: string): TopicProblem | undefined {
  const start = SHARE_PREFIX.length;
  const slash = filter.indexOf('/', start);
  const end = slash < 0 ? filter.length : slash;
  if (end === start) return emptyGroup();
  const inGroup = scan(filter, start, end, 'group');
  if (inGroup !== undefined) return inGroup;
  if (slash < 0 || slash + 1 === filter.length) {
    return problem(
      'invalid-share-filter',
      'a shared subscription needs a topic filter after its share name: $share/{ShareName}/{filter}',
      '4.8.2',
    );
  }
  return scan(filter, slash + 1, filter.length, 'filter');
}

function lengthProblem(text: string): TopicProblem | undefined {
  if (text.length * 3 <= MAX_TOPIC_BYTES) return undefined; // even 3 bytes per UTF-16 unit would fit
  const bytes = utf8Length(text);
  if (bytes <= MAX_TOPIC_BYTES) return undefined;
  return problem(
    'too-long',
    `it is ${bytes} bytes in UTF-8, more than the ${MAX_TOPIC_BYTES} allowed`,
    '1.5.4',
  );
}

/** Checks text[from, to): characters everywhere, wildcard placement according to `part`. */
function scan(text: string, from: number, to: number, part: Part): TopicProblem | undefined {
  for (let i = from; i < to; i++) {
    const code = text.charCodeAt(i);
    if (code > PLUS && code < 0xd800) continue; // the common case: nothing to check
    if (code === NUL) {
      return problem('null-character', 'it must not contain the null character U+0000', '4.7.3');
    }
    if (code === PLUS || code === HASH) {
      const wrong = wildcardProblem(text, i, from, to, part);
      if (wrong !== undefined) return wrong;
    } else if (isHighSurrogate(code) && isLowSurrogate(text.charCodeAt(i + 1))) {
      i++;
    } else if (isHighSurrogate(code) || isLowSurrogate(code)) {
      const hex = code.toString(16).toUpperCase();
      return problem('lone-surrogate', `it contains a lone surrogate U+${hex}, not valid UTF-8`, '1.5.4');
    }
  }
  return undefined;
}

function wildcardProblem(text: string, i: number, from: number, to: number, part: Part) {
  const char = text[i]!;
  if (part === 'group') return groupCharacter(char);
  if (part === 'name') {
    return problem('wildcard-in-topic-name', `a topic name must not contain the wildcard "${char}"`, '4.7.1');
  }
  const startsLevel = i === from || text.charCodeAt(i - 1) === SLASH;
  const endsLevel = i + 1 === to || text.charCodeAt(i + 1) === SLASH;
  if (startsLevel && endsLevel && (char === '+' || i + 1 === to)) return undefined;
  if (char === '+') {
    return problem(
      'single-level-wildcard-not-whole-level',
      `"+" must be a whole level, not part of ${levelAt(text, i, from, to)}`,
      '4.7.1.3',
    );
  }
  if (startsLevel && endsLevel) {
    return problem('multi-level-wildcard-not-last', '"#" must be the last level', '4.7.1.2');
  }
  return problem(
    'multi-level-wildcard-not-whole-level',
    `"#" must be a whole level, not part of ${levelAt(text, i, from, to)}`,
    '4.7.1.2',
  );
}

function emptyGroup(): TopicProblem {
  return problem('invalid-share-group', 'the share name after "$share/" must not be empty', '4.8.2');
}

function groupCharacter(char: string): TopicProblem {
  return problem('invalid-share-group', `the share name must not contain "${char}"`, '4.8.2');
}

/** The quoted level around position i, for messages. */
function levelAt(text: string, i: number, from: number, to: number): string {
  const start = Math.max(from, text.lastIndexOf('/', i) + 1);
  const slash = text.indexOf('/', i);
  return JSON.stringify(text.slice(start, slash < 0 || slash > to ? to : slash));
}
