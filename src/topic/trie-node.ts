/**
 * A node of `TopicTrie`: one filter level, its children, and the values of the filters that end
 * there. Fields a lookup reads come first; the bookkeeping for add/remove comes last.
 */

/**
 * The bookkeeping of the values at one place of a node (`here` or `rest`): for the value at index
 * k, its filter at [2k] and its reference count at [2k + 1]. One flat array, not an object per
 * value: a router with 10,000 handlers keeps 10,000 of these.
 */
type Registrations = Array<string | number>;

/** What `removeRegistration` did. */
export type Removal = 'absent' | 'decremented' | 'removed';

export class TrieNode<T> {
  /** The level this node stands for in its parent ('+' for a plus child). */
  readonly level: string;
  /** The exact child while there is only one; a Map from the second on. */
  child: TrieNode<T> | undefined;
  children: Map<string, TrieNode<T>> | undefined;
  plus: TrieNode<T> | undefined;
  /** Values of the filters ending at this node, in insertion order; undefined while none. */
  here: T[] | undefined;
  /** Values of the filters ending in `#` right below this node. */
  rest: T[] | undefined;
  /** Bookkeeping beside `here` and `rest` (same indexes); lookups never read it. */
  private hereRegistrations: Registrations | undefined;
  private restRegistrations: Registrations | undefined;
  private readonly parent: TrieNode<T> | undefined;

  constructor(parent: TrieNode<T> | undefined, level: string) {
    // Assigned here, in this order, so that the object's layout follows it (level first).
    this.level = level;
    this.child = undefined;
    this.children = undefined;
    this.plus = undefined;
    this.here = undefined;
    this.rest = undefined;
    this.hereRegistrations = undefined;
    this.restRegistrations = undefined;
    this.parent = parent;
  }

  /** The exact child for `level`, if any. */
  exact(level: string): TrieNode<T> | undefined {
    const child = this.child;
    if (child !== undefined) return child.level === level ? child : undefined;
    return this.children?.get(level);
  }

  /** The exact child for the level topic[start, end), slicing only to look up a Map. */
  exactIn(topic: string, start: number, end: number): TrieNode<T> | undefined {
    const child = this.child;
    if (child !== undefined) {
      const level = child.level;
      return level.length === end - start && topic.startsWith(level, start) ? child : undefined;
    }
    return this.children?.get(topic.slice(start, end));
  }

  exactOrCreate(level: string): TrieNode<T> {
    const found = this.exact(level);
    if (found !== undefined) return found;
    const created = new TrieNode(this, level);
    if (this.child === undefined && this.children === undefined) this.child = created;
    else {
      this.children ??= new Map([[this.child!.level, this.child!]]);
      this.child = undefined;
      this.children.set(level, created);
    }
    return created;
  }

  plusOrCreate(): TrieNode<T> {
    this.plus ??= new TrieNode(this, '+');
    return this.plus;
  }

  /** Adds one reference to (filter, value) at `here` or (multi) `rest`; true when the pair is new. */
  addRegistration(multi: boolean, filter: string, value: T): boolean {
    const values = multi ? this.rest : this.here;
    const registrations = multi ? this.restRegistrations : this.hereRegistrations;
    const index = values === undefined ? -1 : indexOf(values, registrations!, filter, value);
    if (index >= 0) {
      (registrations![2 * index + 1] as number)++;
      return false;
    }
    if (values === undefined || registrations === undefined) {
      // sized to fit: an empty array would grow to 17 slots on its first push
      if (multi) [this.rest, this.restRegistrations] = [[value], [filter, 1]];
      else [this.here, this.hereRegistrations] = [[value], [filter, 1]];
    } else {
      values.push(value);
      registrations.push(filter, 1);
    }
    return true;
  }

  /** Drops one reference to (filter, value); 'removed' when it was the last one. */
  removeRegistration(multi: boolean, filter: string, value: T): Removal {
    const values = multi ? this.rest : this.here;
    const registrations = multi ? this.restRegistrations : this.hereRegistrations;
    if (values === undefined || registrations === undefined) return 'absent';
    const index = indexOf(values, registrations, filter, value);
    if (index < 0) return 'absent';
    const count = (registrations[2 * index + 1] as number) - 1;
    if (count > 0) {
      registrations[2 * index + 1] = count;
      return 'decremented';
    }
    values.splice(index, 1);
    registrations.splice(2 * index, 2);
    if (values.length === 0) {
      if (multi) this.rest = this.restRegistrations = undefined;
      else this.here = this.hereRegistrations = undefined;
    }
    return 'removed';
  }

  /** Whether some value is registered under `filter` at `here` or (multi) `rest`. */
  holds(multi: boolean, filter: string): boolean {
    const registrations = multi ? this.restRegistrations : this.hereRegistrations;
    if (registrations === undefined) return false;
    for (let k = 0; k < registrations.length; k += 2) if (registrations[k] === filter) return true;
    return false;
  }

  /** The distinct filters registered here and below, depth first. */
  *filters(): Generator<string> {
    for (const registrations of [this.hereRegistrations, this.restRegistrations]) {
      if (registrations === undefined) continue;
      const seen = new Set<string | number>();
      for (let k = 0; k < registrations.length; k += 2) {
        const filter = registrations[k] as string;
        if (!seen.has(filter)) yield filter;
        seen.add(filter);
      }
    }
    if (this.child !== undefined) yield* this.child.filters();
    if (this.children !== undefined) for (const child of this.children.values()) yield* child.filters();
    if (this.plus !== undefined) yield* this.plus.filters();
  }

  /** Detaches this node and its ancestors while they hold nothing. */
  prune(): void {
    let node: TrieNode<T> = this;
    for (let parent = node.parent; parent !== undefined && node.isEmpty(); parent = node.parent) {
      if (parent.plus === node) parent.plus = undefined;
      else if (parent.child === node) parent.child = undefined;
      else parent.children?.delete(node.level);
      node = parent;
    }
  }

  private isEmpty(): boolean {
    const noChildren = this.child === undefined && !this.children?.size && this.plus === undefined;
    return noChildren && this.here === undefined && this.rest === undefined;
  }
}

function indexOf<T>(values: readonly T[], registrations: Registrations, filter: string, value: T): number {
  for (let k = 0; k < values.length; k++) {
    if (registrations[2 * k] === filter && sameValueZero(values[k], value)) return k;
  }
  return -1;
}

/** Map-key equality: like ===, but NaN equals NaN. */
function sameValueZero(a: unknown, b: unknown): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}
