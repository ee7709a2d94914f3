/** Passed to `@OnSubscribe` / `onSubscribe` after each SUBACK. */
export interface SubscribeEvent {
  readonly filter: string;
  /** Granted QoS (0–2), or the broker's failure reason code (≥ 0x80). */
  readonly granted: number;
  readonly ok: boolean;
}

/** Passed to `@OnUnsubscribe` / `onUnsubscribe` after each UNSUBACK. */
export interface UnsubscribeEvent {
  readonly filters: readonly string[];
}

/** Where the subscriber reports SUBACKs and UNSUBACKs (the app's lifecycle hooks). */
export interface SubscriptionHooks {
  run(name: 'subscribe', event: SubscribeEvent): Promise<void>;
  run(name: 'unsubscribe', event: UnsubscribeEvent): Promise<void>;
}
