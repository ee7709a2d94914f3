/**
 * How messages are ordered for handlers. `none`: concurrent; `per-topic`: one handler's
 * messages of one topic run one after another, in arrival order (see `Scheduler`).
 */
export type Ordering = 'none' | 'per-topic';
