/**
 * `joinTopic(prefix, pattern)`: a controller's prefix and a method's pattern, as one pattern.
 *
 * The rules, in order:
 *
 * 1. Sharing. Either part may start with `$share/{group}/` (a prefix may also be just
 *    `$share/{group}`). The group goes in front of the joined pattern. When both parts name a
 *    group they must agree, else `InvalidTopicError` (rule 'share-group-conflict').
 * 2. An empty part (after removing its share prefix) contributes nothing: the other part is
 *    kept exactly as written. `('', '/x')` is `'/x'`; `('sensors/', '')` is `'sensors/'`.
 * 3. Otherwise the parts meet at a seam made of exactly one '/'. One trailing '/' of the prefix
 *    and one leading '/' of the pattern are separators, not empty levels, and are dropped:
 *    `('sensors', '+id/t')`, `('sensors/', '+id/t')`, `('sensors', '/+id/t')` and
 *    `('sensors/', '/+id/t')` all give `'sensors/+id/t'`.
 * 4. Every further '/' is kept, so an empty level at the seam takes one more slash on either
 *    side: `('a//', 'b')`, `('a', '//b')` and `('a/', '//b')` give `'a//b'`; `('a', '/')` gives
 *    `'a/'` (an empty last level); `('/', 'x')` gives `'/x'` (an empty first level).
 *
 * The result is not validated here: `parsePattern` does that, naming the rule broken.
 */
import { InvalidTopicError } from '../errors.js';
import { SHARE_PREFIX } from './problems.js';
import { splitSharedFilter } from './shared.js';

/** Joins a controller prefix and a method pattern by the rules above. */
export function joinTopic(prefix: string, pattern: string): string {
  const outer = splitSharedFilter(prefix);
  const inner = splitSharedFilter(pattern);
  if (outer.group !== undefined && inner.group !== undefined && outer.group !== inner.group) {
    const rule = 'share-group-conflict';
    throw new InvalidTopicError(
      'pattern',
      pattern,
      rule,
      `it shares with group "${inner.group}" but its prefix "${prefix}" with group "${outer.group}" (${rule})`,
    );
  }
  const group = inner.group ?? outer.group;
  const body = joinBodies(outer.filter, inner.filter);
  return group === undefined ? body : `${SHARE_PREFIX}${group}/${body}`;
}

function joinBodies(prefix: string, pattern: string): string {
  if (prefix === '') return pattern;
  if (pattern === '') return prefix;
  const head = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  const tail = pattern.startsWith('/') ? pattern.slice(1) : pattern;
  return `${head}/${tail}`;
}
