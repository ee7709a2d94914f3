import { splitSharedFilter } from './shared.js';

/** A level of the index; its Map and Set are made on first use (most nodes need one or neither). */
interface Node<T> {
  children: Map<string, Node<T>> | undefined;
  /**
   * Values whose filter ends at this node: the first, then any others (exact-size array).
   * Almost always one: a Set per leaf cost ~200 bytes per subscription, an array 32.
   */
  first: T | undefined;
  others: readonly T[] | undefined;
}

const node = <T>(): Node<T> => ({ children: undefined, first: undefined, others: undefined });
const NO_CHILDREN: ReadonlyMap<string, never> = new Map<string, never>();
const NO_VALUES: readonly never[] = Object.freeze([]);
const childrenOf = <T>(n: Node<T>): ReadonlyMap<string, Node<T>> => n.children ?? NO_CHILDREN;
const valuesOf = <T>(n: Node<T>): readonly T[] =>
  n.first === undefined ? NO_VALUES : n.others === undefined ? [n.first] : [n.first, ...n.others];

/**
 * Filters indexed so that the filters overlapping a given one (some topic matches both)
 * are found without comparing against every filter. `$share/{group}/` prefixes are ignored.
 * Used to give overlapping subscriptions different MQTT 5 subscription identifiers.
 */
export class OverlapIndex<T> {
  private readonly root: Node<T> = node();

  /**
   * @param wildcardsMatchDollar `true` for a broker that (against MQTT 4.7.2) delivers `$…` topics
   *   to filters starting with a wildcard (NATS): `+/b` and `#` then overlap `$a/b`.
   */
  constructor(private readonly wildcardsMatchDollar = false) {}

  add(filter: string, value: T): void {
    let current = this.root;
    for (const level of levelsOf(filter)) {
      current.children ??= new Map();
      let next = current.children.get(level);
      if (!next) {
        next = node();
        current.children.set(level, next);
      }
      current = next;
    }
    if (current.first === undefined) current.first = value;
    else if (current.first !== value && !current.others?.includes(value)) {
      current.others = (current.others ?? NO_VALUES).concat([value]);
    }
  }

  remove(filter: string, value: T): void {
    const path: Array<[Node<T>, string]> = [];
    let current = this.root;
    for (const level of levelsOf(filter)) {
      const next = current.children?.get(level);
      if (!next) return;
      path.push([current, level]);
      current = next;
    }
    if (current.first === value) {
      current.first = current.others?.[0];
      current.others =
        current.others !== undefined && current.others.length > 1 ? current.others.slice(1) : undefined;
    } else if (current.others !== undefined) {
      const kept = current.others.filter((v) => v !== value);
      current.others = kept.length === 0 ? undefined : kept;
    }
    for (let i = path.length - 1; i >= 0; i--) {
      const [parent, level] = path[i]!;
      const child = childrenOf(parent).get(level)!;
      if (valuesOf(child).length > 0 || childrenOf(child).size > 0) break;
      parent.children!.delete(level);
    }
  }

  /** Values of every indexed filter that overlaps `filter`. */
  overlapping(filter: string): Set<T> {
    const found = new Set<T>();
    this.walk(this.root, levelsOf(filter), 0, found);
    return found;
  }

  private walk(current: Node<T>, levels: readonly string[], depth: number, found: Set<T>): void {
    if (depth === levels.length) {
      for (const value of valuesOf(current)) found.add(value);
      const hash = childrenOf(current).get('#');
      if (hash) for (const value of valuesOf(hash)) found.add(value);
      return;
    }
    const level = levels[depth]!;
    const dollarGuard = depth === 0 && !this.wildcardsMatchDollar;
    if (level === '#') {
      collectAll(current, found, dollarGuard, depth === levels.length - 1);
      return;
    }
    const children = childrenOf(current);
    const hash = children.get('#');
    const plus = children.get('+');
    if (level === '+') {
      if (hash) for (const value of valuesOf(hash)) found.add(value);
      for (const [key, child] of children) {
        if (key === '#' || (dollarGuard && key.startsWith('$'))) continue;
        this.walk(child, levels, depth + 1, found);
      }
      return;
    }
    const wildcardsApply = !(dollarGuard && level.startsWith('$'));
    if (hash && wildcardsApply) for (const value of valuesOf(hash)) found.add(value);
    if (plus && wildcardsApply) this.walk(plus, levels, depth + 1, found);
    const exact = children.get(level);
    if (exact) this.walk(exact, levels, depth + 1, found);
  }
}

/** Everything below `current` (a `#` there matches it all), with the first-level `$` rule. */
function collectAll<T>(current: Node<T>, found: Set<T>, dollarGuard: boolean, includeSelf: boolean): void {
  if (includeSelf) for (const value of valuesOf(current)) found.add(value);
  for (const [key, child] of childrenOf(current)) {
    if (dollarGuard && key.startsWith('$')) continue;
    collectAll(child, found, false, true);
  }
}

function levelsOf(filter: string): string[] {
  return splitSharedFilter(filter).filter.split('/');
}
