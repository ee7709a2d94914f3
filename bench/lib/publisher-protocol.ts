/** Messages between the benchmark and its publisher process (see publisher.ts). */

export type PublisherCommand =
  | { readonly type: 'connect'; readonly url: string }
  /** Publish `count` readings as fast as flow control allows (a backlog or a stream). */
  | {
      readonly type: 'burst';
      readonly count: number;
      readonly qos: 0 | 1;
      /** QoS 1: most publishes awaiting their PUBACK at once. */
      readonly window: number;
      /**
       * End-to-end flow control: never more than `credit` messages ahead of what the
       * benchmark says arrived (`{ type: 'received' }`). Absent: no limit (a backlog).
       */
      readonly credit?: number;
    }
  /** Publish `count` readings at `rate` per second, each carrying its send time (latency). */
  | { readonly type: 'paced'; readonly count: number; readonly qos: 0 | 1; readonly rate: number }
  | { readonly type: 'received'; readonly count: number }
  /** The gate keeps what the broker sends to every subscriber connected through it (gate.ts). */
  | { readonly type: 'hold' }
  /** The gate hands the subscriber connected as `clientId` its held messages once `count` are in. */
  | { readonly type: 'release'; readonly clientId: string; readonly count: number }
  /**
   * Once the subscriber connected as `clientId` has sent `count` PUBACKs this round through the
   * gate, a round trip to the broker (so that it has read them too) before the reply.
   */
  | { readonly type: 'settle'; readonly clientId: string; readonly count: number }
  | { readonly type: 'exit' };

export type PublisherReply =
  /** `gateUrl`: where a drained subscriber connects (the backlog gate in front of the broker). */
  | { readonly type: 'ready'; readonly gateUrl: string }
  /** The gate holds, or wrote the held messages to the subscriber. */
  | { readonly type: 'gate' }
  | { readonly type: 'done'; readonly sent: number; readonly ms: number }
  | { readonly type: 'error'; readonly message: string };
