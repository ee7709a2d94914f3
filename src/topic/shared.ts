/**
 * Shared subscriptions (MQTT 5.0 §4.8.2): `$share/{ShareName}/{filter}`. The broker spreads the
 * messages matching `filter` over the subscribers of one share name; matching ignores the prefix.
 * `$share` alone, or `$shared/...`, is an ordinary filter.
 */
import { InvalidTopicError } from '../errors.js';
import { SHARE_PREFIX, shareGroupProblem } from './problems.js';
import { validateTopicFilter } from './validate.js';

export { SHARE_PREFIX } from './problems.js';

/** A filter split into its share name (`undefined` when not shared) and the filter it shares. */
export interface SharedFilter {
  readonly group: string | undefined;
  readonly filter: string;
}

/**
 * Splits `$share/g/a/b` into `{ group: 'g', filter: 'a/b' }`; a plain filter gives `{ group: undefined, filter }`.
 * Structural only, it does not validate: `$share/g` gives `{ group: 'g', filter: '' }`, `$share/` an empty group.
 */
export function splitSharedFilter(filter: string): SharedFilter {
  if (!filter.startsWith(SHARE_PREFIX)) return { group: undefined, filter };
  const slash = filter.indexOf('/', SHARE_PREFIX.length);
  if (slash < 0) return { group: filter.slice(SHARE_PREFIX.length), filter: '' };
  return { group: filter.slice(SHARE_PREFIX.length, slash), filter: filter.slice(slash + 1) };
}

/** Whether `filter` is (or claims to be) a shared subscription: it starts with `$share/`. */
export function isSharedFilter(filter: string): boolean {
  return filter.startsWith(SHARE_PREFIX);
}

/** `$share/{group}/{filter}`, after checking both; throws `InvalidTopicError` (kind 'filter'). */
export function shareFilter(group: string, filter: string): string {
  const shared = `${SHARE_PREFIX}${group}/${filter}`;
  const problem = shareGroupProblem(group);
  if (problem !== undefined) throw new InvalidTopicError('filter', shared, problem.rule, problem.detail);
  validateTopicFilter(shared);
  return shared;
}
