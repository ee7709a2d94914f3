/** Messages between a drain and the process each candidate runs in (see drain-worker.ts). */
import type { CandidateSpec } from './candidates.js';
import type { OpenOptions } from './subscribers.js';

export type DrainCommand =
  /** Make the candidate and connect it. */
  | { readonly type: 'open'; readonly spec: CandidateSpec; readonly options: OpenOptions }
  /** Expect `count` messages from now on, timing from arrival `skip + 1`. */
  | { readonly type: 'arm'; readonly count: number; readonly skip: number; readonly timeoutMs: number }
  /** Reply `drained` once the armed count arrived or its time ran out. */
  | { readonly type: 'result' }
  /** Disconnect (the session stays) and exit. */
  | { readonly type: 'close' };

export type DrainReply =
  /** `startupMs`: `open()` (app made, compiled, connecting, subscribing) until it resolved. */
  | { readonly type: 'opened'; readonly startupMs: number }
  | { readonly type: 'armed' }
  /**
   * What arrived of the `count` armed for, and the timed span: `timed` messages after the
   * first timed one, over `wallMs` and `cpuMicros` of this process (all 0 when short).
   */
  | {
      readonly type: 'drained';
      readonly arrived: number;
      readonly timed: number;
      readonly wallMs: number;
      readonly cpuMicros: number;
    }
  | { readonly type: 'error'; readonly message: string };
