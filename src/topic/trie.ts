/**
 * A subscription trie: which of many filters match a topic, at a cost that depends on the
 * topic's depth and on the wildcard branches taken, not on how many filters are held.
 *
 * - One node per filter level; exact children inline (one) or in a Map (several), `+` in its
 *   own child, and filters ending in `#` kept on the node the `#` hangs from (`a/#` matches `a`).
 * - A `$share/{group}/` prefix is ignored for matching, but `$share/g/a` and `a` stay two filters.
 * - Values are reference-counted per (filter, value): adding the same pair twice needs two removes.
 *   Values are compared like Map keys (SameValueZero).
 * - A match returns each matching value once, even when several of its filters match.
 * - Order, deterministic: most specific first. Level by level from the left, an exact level
 *   comes before `+`, `+` before `#`, and a filter that ends at the topic's last level before
 *   one that continues with `/#`. Filters in the same place keep their insertion order.
 *   For topic `a/b`: `a/b`, `a/+`, `a/#`, `+/b`, `+/+`, `+/#`, `#`.
 * - A topic starting with `$` is not matched by `+` or `#` in the first level (§4.7.2).
 *
 * Lookups are built to touch little memory (at 10,000 filters, cache misses are the cost): the
 * topic is walked in place without split, values sit directly in the nodes, and duplicates are
 * only looked for while some value is registered under two filters.
 */
import { SHARE_PREFIX, topicNameProblem } from './problems.js';
import { TrieNode } from './trie-node.js';
import { validateTopicFilter } from './validate.js';

const DOLLAR = 0x24;

/** Values registered under MQTT topic filters, looked up by topic. */
export class TopicTrie<T> {
  private root = new TrieNode<T>(undefined, '');
  /** Distinct filters holding at least one value (no Map by filter: the trie is the index). */
  private filterTotal = 0;
  /**
   * For each value, under how many filters it is registered; undefined when the owner said each
   * value has one filter only (`oneFilterPerValue`), which saves a Map entry per value.
   */
  private readonly filterCounts: Map<T, number> | undefined;
  /** How many values are registered under more than one filter (then a lookup must dedupe). */
  private shared = 0;

  /**
   * @param options.oneFilterPerValue the caller never registers one value under two filters (the
   *   router: a route lives under its own pattern's filter), so lookups need no dedupe and no
   *   count is kept. Registering a value under a second filter then returns it twice from `match`.
   */
  constructor(options: { readonly oneFilterPerValue?: boolean } = {}) {
    this.filterCounts = options.oneFilterPerValue ? undefined : new Map<T, number>();
  }

  /** How many distinct filters hold at least one value. */
  get size(): number {
    return this.filterTotal;
  }

  /** Registers `value` under `filter` (validated: throws `InvalidTopicError`). */
  add(filter: string, value: T): void {
    validateTopicFilter(filter);
    const multi = endsInHash(filter);
    const node = this.nodeOf(filter, multi, true)!;
    const held = node.holds(multi, filter);
    if (node.addRegistration(multi, filter, value)) {
      if (!held) this.filterTotal++;
      const counts = this.filterCounts;
      if (counts === undefined) return;
      const count = (counts.get(value) ?? 0) + 1;
      counts.set(value, count);
      if (count === 2) this.shared++;
    }
  }

  /** Removes one registration of `value` under `filter`; false when there was none. */
  remove(filter: string, value: T): boolean {
    if (typeof filter !== 'string') return false;
    const multi = endsInHash(filter);
    const node = this.nodeOf(filter, multi, false);
    const result = node?.removeRegistration(multi, filter, value) ?? 'absent';
    if (node === undefined || result === 'absent') return false;
    if (result === 'decremented') return true;
    const counts = this.filterCounts;
    if (counts !== undefined) {
      const count = counts.get(value)! - 1;
      if (count === 0) counts.delete(value);
      else counts.set(value, count);
      if (count === 1) this.shared--;
    }
    if (!node.holds(multi, filter)) {
      this.filterTotal--;
      node.prune();
    }
    return true;
  }

  /** Whether any value is registered under exactly this filter (a `$share/` prefix included). */
  has(filter: string): boolean {
    if (typeof filter !== 'string') return false;
    const multi = endsInHash(filter);
    return this.nodeOf(filter, multi, false)?.holds(multi, filter) ?? false;
  }

  /** The distinct filters held, depth first (at each node: exact levels, then `+`). */
  filters(): IterableIterator<string> {
    return this.root.filters();
  }

  /** Forgets every filter and value. */
  clear(): void {
    this.root = new TrieNode<T>(undefined, '');
    this.filterTotal = 0;
    this.filterCounts?.clear();
    this.shared = 0;
  }

  /**
   * The distinct values whose filters match `topic`, most specific first; none for an invalid topic.
   * Appends to `out` (a fresh array by default; clear a reused one first) and returns it.
   * Walks the topic in place: no split, and a slice only where a node has several exact children.
   */
  match(topic: string, out: T[] = []): T[] {
    if (typeof topic !== 'string' || topicNameProblem(topic) !== undefined) return out;
    const start = out.length;
    const root = this.root;
    const end = levelEnd(topic, 0);
    const next = end === topic.length ? -1 : end + 1;
    const child = root.exactIn(topic, 0, end);
    if (child !== undefined) walkTopic(child, topic, next, out);
    if (topic.charCodeAt(0) !== DOLLAR) {
      if (root.plus !== undefined) walkTopic(root.plus, topic, next, out);
      if (root.rest !== undefined) collect(root.rest, out);
    }
    if (this.shared > 0) dedupe(out, start);
    return out;
  }

  /** Like `match`, for the levels of a topic name already validated and split on '/'. */
  matchLevels(levels: readonly string[], out: T[] = []): T[] {
    if (levels.length === 0) return out;
    const start = out.length;
    const root = this.root;
    const child = root.exact(levels[0]!);
    if (child !== undefined) walkLevels(child, levels, 1, out);
    if (levels[0]!.charCodeAt(0) !== DOLLAR) {
      if (root.plus !== undefined) walkLevels(root.plus, levels, 1, out);
      if (root.rest !== undefined) collect(root.rest, out);
    }
    if (this.shared > 0) dedupe(out, start);
    return out;
  }

  /** The node a filter's values live on (`#` dropped); created when asked, else undefined if absent. */
  private nodeOf(filter: string, multi: boolean, create: boolean): TrieNode<T> | undefined {
    const start = filter.startsWith(SHARE_PREFIX) ? filter.indexOf('/', SHARE_PREFIX.length) + 1 : 0;
    if (start === 0 && filter.startsWith(SHARE_PREFIX)) return undefined; // `$share/g` alone
    const levels = filter.slice(start).split('/');
    if (multi) levels.pop();
    let node: TrieNode<T> | undefined = this.root;
    for (const level of levels) {
      if (create) node = level === '+' ? node.plusOrCreate() : node.exactOrCreate(level);
      else node = level === '+' ? node.plus : node.exact(level);
      if (node === undefined) return undefined;
    }
    return node;
  }
}

/** Whether a filter ends in the multi-level wildcard (`#`, `a/#`, `$share/g/#`). */
function endsInHash(filter: string): boolean {
  return filter === '#' || filter.endsWith('/#');
}

/** Collects from `node`, reached by the levels before `start` (-1: past the last level), and below. */
function walkTopic<T>(node: TrieNode<T>, topic: string, start: number, out: T[]): void {
  if (start < 0) {
    if (node.here !== undefined) collect(node.here, out);
    if (node.rest !== undefined) collect(node.rest, out);
    return;
  }
  const end = levelEnd(topic, start);
  const next = end === topic.length ? -1 : end + 1;
  const child = node.exactIn(topic, start, end);
  if (child !== undefined) walkTopic(child, topic, next, out);
  if (node.plus !== undefined) walkTopic(node.plus, topic, next, out);
  if (node.rest !== undefined) collect(node.rest, out);
}

/** `walkTopic` for a split topic: `node` was reached by levels[0..i). */
function walkLevels<T>(node: TrieNode<T>, levels: readonly string[], i: number, out: T[]): void {
  if (i === levels.length) {
    if (node.here !== undefined) collect(node.here, out);
    if (node.rest !== undefined) collect(node.rest, out);
    return;
  }
  const child = node.exact(levels[i]!);
  if (child !== undefined) walkLevels(child, levels, i + 1, out);
  if (node.plus !== undefined) walkLevels(node.plus, levels, i + 1, out);
  if (node.rest !== undefined) collect(node.rest, out);
}

/** Where the level starting at `start` ends: the next '/', or the end of the topic. */
function levelEnd(topic: string, start: number): number {
  const slash = topic.indexOf('/', start);
  return slash < 0 ? topic.length : slash;
}

function collect<T>(values: readonly T[], out: T[]): void {
  for (let k = 0; k < values.length; k++) out.push(values[k]!);
}

/** Keeps the first occurrence of each value in out[start..]. */
function dedupe<T>(out: T[], start: number): void {
  if (out.length - start < 2) return;
  const seen = new Set<T>();
  let kept = start;
  for (let k = start; k < out.length; k++) {
    const value = out[k]!;
    if (seen.has(value)) continue;
    seen.add(value);
    out[kept++] = value;
  }
  out.length = kept;
}
