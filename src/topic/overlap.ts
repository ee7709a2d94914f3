import { splitSharedFilter } from './shared.js';

/**
 * Whether some topic name matches both filters (`$share/{group}/` prefixes ignored).
 * Used to put overlapping subscriptions under different MQTT 5 subscription identifiers,
 * so that a broker sending one copy per matching subscription can be told apart from
 * one sending a single copy. Both filters must be valid.
 */
export function filtersOverlap(a: string, b: string): boolean {
  const left = splitSharedFilter(a).filter.split('/');
  const right = splitSharedFilter(b).filter.split('/');
  for (let i = 0; ; i++) {
    const x = left[i];
    const y = right[i];
    if (x === undefined || y === undefined) {
      // One filter ended: they overlap if the other ends too, or continues with a final '#'
      // (`a/#` matches `a`).
      const rest = x === undefined ? right.slice(i) : left.slice(i);
      return rest.length === 0 || (rest.length === 1 && rest[0] === '#');
    }
    if (x === '#' || y === '#') return !(i === 0 && (startsWithDollar(x) || startsWithDollar(y)));
    if (x === '+' || y === '+') {
      if (i === 0 && (startsWithDollar(x) || startsWithDollar(y))) return false;
      continue;
    }
    if (x !== y) return false;
  }
}

function startsWithDollar(level: string): boolean {
  return level.startsWith('$');
}
