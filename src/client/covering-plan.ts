import { OverlapIndex } from '../topic/overlap-index.js';

/**
 * The filters to send to a broker that delivers one copy of a message per matching subscription
 * and cannot say which (no subscription identifiers: NATS, Mosquitto with
 * `allow_duplicate_messages true` on 3.1.1): a set of pairwise non-overlapping filters covering
 * every wanted one, so that the broker sends each message once and the router dispatches it to
 * every matching handler locally. Filters that overlap are replaced by their generalisation
 * (`a/+/c` and `a/b/+` by `a/+/+`; `a/b` and `a/#` by `a/#`), repeated until none overlaps.
 * Returns each wanted filter's wire filter. Shared filters (`$share/…`) must not be passed.
 * `wildcardsMatchDollar`: the broker also delivers `$…` topics to filters starting with a
 * wildcard (NATS, against MQTT 4.7.2), so `+/b/+` and `$a/b/+` overlap there (one `+/b/+`).
 */
export function coveringPlan(filters: Iterable<string>, wildcardsMatchDollar = false): Map<string, string> {
  interface Group {
    wire: string;
    readonly members: string[];
  }
  const index = new OverlapIndex<Group>(wildcardsMatchDollar);
  for (const filter of filters) {
    const group: Group = { wire: filter, members: [filter] };
    for (;;) {
      const hits = index.overlapping(group.wire);
      if (hits.size === 0) break;
      for (const hit of hits) {
        index.remove(hit.wire, hit);
        group.wire = generalise(group.wire, hit.wire);
        group.members.push(...hit.members);
      }
    }
    index.add(group.wire, group);
  }
  const plan = new Map<string, string>();
  for (const group of collect(index, filters))
    for (const member of group.members) plan.set(member, group.wire);
  return plan;

  function collect(from: OverlapIndex<Group>, wanted: Iterable<string>): Set<Group> {
    const groups = new Set<Group>();
    for (const filter of wanted) for (const group of from.overlapping(filter)) groups.add(group);
    return groups;
  }
}

/** The most specific filter matching every topic either filter matches. */
export function generalise(a: string, b: string): string {
  const x = a.split('/');
  const y = b.split('/');
  const out: string[] = [];
  for (let i = 0; ; i++) {
    const p = x[i];
    const q = y[i];
    if (p === undefined && q === undefined) return out.join('/');
    if (p === undefined || q === undefined || p === '#' || q === '#') {
      out.push('#');
      return out.join('/');
    }
    out.push(p === q ? p : '+');
  }
}
