import type { ProtocolVersion } from '../client/connection.js';
import type { PublishOptions } from '../client/publish-options.js';
import type { PublishResult } from './publish-result.js';

/** One publish as an interceptor sees it, before it is checked, encoded and sent. */
export interface OutgoingPublish {
  readonly topic: string;
  readonly payload: unknown;
  readonly options: PublishOptions;
  /** The connection's protocol: MQTT 5 properties (user properties…) may only be added on 5. */
  readonly protocolVersion: ProtocolVersion;
}

/**
 * Wraps every `publish` of the app (requests and replies included): it may change the options
 * it passes to `send` (add user properties) and observe the outcome. Must call `send` once.
 */
export type PublishInterceptor = (
  publish: OutgoingPublish,
  send: (options: PublishOptions) => Promise<PublishResult>,
) => Promise<PublishResult>;

/** Runs `send` through the interceptors, the first one outermost. */
export function intercept(
  interceptors: readonly PublishInterceptor[],
  publish: OutgoingPublish,
  send: (options: PublishOptions) => Promise<PublishResult>,
): Promise<PublishResult> {
  const step = (i: number, options: PublishOptions): Promise<PublishResult> => {
    if (i === interceptors.length) return send(options);
    return interceptors[i]!({ ...publish, options }, (next) => step(i + 1, next));
  };
  return step(0, publish.options);
}
