/**
 * A node of `TopicTrie`: one filter level, its children, and the values of the filters that end
 * there. Fields a lookup reads come first; the bookkeeping for add/remove comes last.
 */

/** A (filter, value) pair at one place of a node, with its reference count. */
interface Registration<T> {
  readonly filter: string;
  readonly value: T;
  count: number;
}

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
  private hereRegistrations: Registration<T>[] | undefined;
  private restRegistrations: Registration<T>[] | undefined;
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
    const index = registrations === undefined ? -1 : indexOf(registrations, filter, value);
    if (index >= 0) {
      registrations![index]!.count++;
      return false;
    }
    const registration = { filter, value, count: 1 };
    if (values === undefined || registrations === undefined) {
      // sized to fit: an empty array would grow to 17 slots on its first push
      if (multi) [this.rest, this.restRegistrations] = [[value], [registration]];
      else [this.here, this.hereRegistrations] = [[value], [registration]];
    } else {
      values.push(value);
      registrations.push(registration);
    }
    return true;
  }

  /** Drops one reference to (filter, value); 'removed' when it was the last one. */
  removeRegistration(multi: boolean, filter: string, value: T): Removal {
    const values = multi ? this.rest : this.here;
    const registrations = multi ? this.restRegistrations : this.hereRegistrations;
    const index = registrations === undefined ? -1 : indexOf(registrations, filter, value);
    if (index < 0 || values === undefined || registrations === undefined) return 'absent';
    if (--registrations[index]!.count > 0) return 'decremented';
    values.splice(index, 1);
    registrations.splice(index, 1);
    if (values.length === 0) {
      if (multi) this.rest = this.restRegistrations = undefined;
      else this.here = this.hereRegistrations = undefined;
    }
    return 'removed';
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

function indexOf<T>(registrations: readonly Registration<T>[], filter: string, value: T): number {
  for (let k = 0; k < registrations.length; k++) {
    const registration = registrations[k]!;
    if (registration.filter === filter && sameValueZero(registration.value, value)) return k;
  }
  return -1;
}

/** Map-key equality: like ===, but NaN equals NaN. */
function sameValueZero(a: unknown, b: unknown): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}
