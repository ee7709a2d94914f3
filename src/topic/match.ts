/**
 * One filter against one topic name, per MQTT 5.0 §4.7: `+` matches exactly one level (an empty
 * one too), `#` the rest including none (`sport/#` matches `sport`), and a topic starting with `$`
 * is not matched by a wildcard in the first level. A `$share/{group}/` prefix is ignored.
 */
import { SHARE_PREFIX, topicFilterProblem, topicNameProblem } from './problems.js';

const DOLLAR = 0x24;
const HASH = 0x23;
const PLUS = 0x2b;
const SLASH = 0x2f;

/** Whether `filter` matches `topic`. False, never an exception, when either is invalid. */
export function matchTopic(filter: string, topic: string): boolean {
  if (typeof filter !== 'string' || typeof topic !== 'string') return false;
  if (topicFilterProblem(filter) !== undefined || topicNameProblem(topic) !== undefined) return false;
  const start = filter.startsWith(SHARE_PREFIX) ? filter.indexOf('/', SHARE_PREFIX.length) + 1 : 0;
  return matchValid(filter, start, topic);
}

/** Walks a valid filter (from `fi`) and a valid topic level by level, without allocating. */
function matchValid(filter: string, fi: number, topic: string): boolean {
  const fl = filter.length;
  const tl = topic.length;
  let ti = 0;
  const first = filter.charCodeAt(fi);
  if (topic.charCodeAt(0) === DOLLAR && (first === PLUS || first === HASH)) return false;
  for (;;) {
    const code = filter.charCodeAt(fi);
    if (code === HASH) return true; // always a whole last level in a valid filter
    if (code === PLUS) {
      fi++;
      while (ti < tl && topic.charCodeAt(ti) !== SLASH) ti++;
    } else {
      for (;;) {
        const filterEnds = fi === fl || filter.charCodeAt(fi) === SLASH;
        const topicEnds = ti === tl || topic.charCodeAt(ti) === SLASH;
        if (filterEnds || topicEnds) {
          if (filterEnds !== topicEnds) return false;
          break;
        }
        if (filter.charCodeAt(fi) !== topic.charCodeAt(ti)) return false;
        fi++;
        ti++;
      }
    }
    // Both at the end of a level: fi and ti point at '/' or at the end.
    if (fi === fl) return ti === tl;
    if (ti === tl) return fl - fi === 2 && filter.charCodeAt(fi + 1) === HASH; // 'a/#' matches 'a'
    fi++;
    ti++;
  }
}
