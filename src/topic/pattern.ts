/**
 * Topic patterns: MQTT filters whose wildcards may carry a name, the mqtt-pattern convention.
 *
 * - `+name` matches one level, captured as `name`;
 * - `#name` matches the remaining levels, captured joined by '/' ('' when there are none:
 *   `logs/#rest` matches `logs` with `rest = ''`);
 * - bare `+` and `#` match without capturing;
 * - a leading `$share/{group}/` makes the subscription shared; it is not part of `filter`.
 *
 * Names match /^[A-Za-z_][A-Za-z0-9_]*$/ (not `__proto__`) and are unique within a pattern.
 * Everything is worked out once, in `parsePattern`; extracting does no regex and no split.
 */
import { InvalidTopicError, type TopicRule } from '../errors.js';
import { SHARE_PREFIX, topicFilterProblem } from './problems.js';
import { splitSharedFilter } from './shared.js';

export { joinTopic } from './join.js';

/** A parsed pattern: the filter to subscribe to and how to read named parameters off a topic. */
export interface TopicPattern {
  /** The pattern as written, e.g. '$share/g/sensors/+id/temperature'. */
  readonly pattern: string;
  /** The plain MQTT filter used for matching, e.g. 'sensors/+/temperature'. */
  readonly filter: string;
  /** The share name of a `$share/{group}/` pattern, else undefined. */
  readonly group: string | undefined;
  /** The filter to send to the broker: `$share/{group}/{filter}`, or `filter`. */
  readonly subscriptionFilter: string;
  /** Parameter names in the order they appear. */
  readonly paramNames: readonly string[];
  /**
   * Named parameters of a topic that matches `filter`, from its levels (topic.split('/')).
   * Precompiled: no regex, no split. Without names: one shared frozen empty object.
   */
  extractLevels(levels: readonly string[]): Record<string, string>;
  /** Named parameters of a topic that matches `filter` (not checked: match first). */
  extract(topic: string): Record<string, string>;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const NO_PARAMS: Record<string, string> = Object.freeze({});
const noParams = (): Record<string, string> => NO_PARAMS;

/** Parses and validates a pattern; throws `InvalidTopicError` (kind 'pattern') naming the rule broken. */
export function parsePattern(pattern: string): TopicPattern {
  if (typeof pattern !== 'string') {
    throw new InvalidTopicError(
      'pattern',
      pattern,
      'not-a-string',
      'a topic pattern must be a string (not-a-string)',
    );
  }
  const { group, filter: body } = splitSharedFilter(pattern);
  const levels = body.split('/');
  const names: string[] = [];
  const indexes: number[] = [];
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i]!;
    const wildcard = level[0];
    if (level.length < 2 || (wildcard !== '+' && wildcard !== '#')) continue;
    const name = level.slice(1);
    checkName(pattern, name, names);
    names.push(name);
    indexes.push(i);
    levels[i] = wildcard;
  }
  const filter = levels.join('/');
  const subscriptionFilter = group === undefined ? filter : `${SHARE_PREFIX}${group}/${filter}`;
  const problem = topicFilterProblem(subscriptionFilter);
  if (problem !== undefined) {
    const detail = filter === pattern ? problem.detail : `${problem.detail}; the filter is "${filter}"`;
    throw new InvalidTopicError('pattern', pattern, problem.rule, detail);
  }
  const readers = names.length === 0 ? NO_READERS : readersFor(names, indexes, levels);
  return Object.freeze({
    pattern,
    filter,
    group,
    subscriptionFilter,
    paramNames: readers.names,
    extractLevels: readers.extractLevels,
    extract: readers.extract,
  });
}

/** How a pattern reads its parameters: the same for every pattern with the same names at the same levels. */
interface Readers {
  readonly names: readonly string[];
  readonly extractLevels: (levels: readonly string[]) => Record<string, string>;
  readonly extract: (topic: string) => Record<string, string>;
}

const NO_READERS: Readers = { names: Object.freeze([]), extractLevels: noParams, extract: noParams };

/**
 * Readers shared by shape (names, their levels, whether the last is `#`): an app's thousands
 * of handlers mostly repeat a few shapes (`+deviceId/…`), so they share the closures and the
 * frozen name list instead of holding one set each. Bounded by the number of distinct shapes.
 */
const shapes = new Map<string, Readers>();

function readersFor(
  names: readonly string[],
  indexes: readonly number[],
  filterLevels: readonly string[],
): Readers {
  const rest = filterLevels[indexes[indexes.length - 1]!] === '#';
  const key = `${names.join('/')}|${indexes.join('/')}|${rest ? '#' : '+'}`;
  let readers = shapes.get(key);
  if (readers === undefined) {
    const extractLevels = extractor(names, indexes, rest);
    readers = {
      names: Object.freeze([...names]),
      extractLevels,
      extract: (topic: string) => extractLevels(topic.split('/')),
    };
    shapes.set(key, readers);
  }
  return readers;
}

function checkName(pattern: string, name: string, seen: readonly string[]): void {
  let rule: TopicRule | undefined;
  let detail = '';
  if (!NAME.test(name) || name === '__proto__') {
    rule = 'invalid-parameter-name';
    detail = `parameter name "${name}" must match /^[A-Za-z_][A-Za-z0-9_]*$/ and not be __proto__`;
  } else if (seen.includes(name)) {
    rule = 'duplicate-parameter-name';
    detail = `parameter name "${name}" is used twice`;
  }
  if (rule !== undefined) throw new InvalidTopicError('pattern', pattern, rule, `${detail} (${rule})`);
}

/** A function reading each name from its level; a `#name` takes the rest of the levels. */
function extractor(names: readonly string[], indexes: readonly number[], rest: boolean) {
  const count = names.length;
  const single = rest ? count - 1 : count;
  const restIndex = indexes[count - 1]!;
  return (levels: readonly string[]): Record<string, string> => {
    const params: Record<string, string> = {};
    for (let k = 0; k < single; k++) params[names[k]!] = levels[indexes[k]!] ?? '';
    if (rest) params[names[single]!] = joinFrom(levels, restIndex);
    return params;
  };
}

/** levels[start..] joined by '/', or '' when there are none. */
function joinFrom(levels: readonly string[], start: number): string {
  if (start >= levels.length) return '';
  let joined = levels[start]!;
  for (let i = start + 1; i < levels.length; i++) joined += `/${levels[i]}`;
  return joined;
}
