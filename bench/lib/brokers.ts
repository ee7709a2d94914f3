import { type MosquittoBroker, startMosquitto } from '../../test/helpers/mosquitto.js';

/**
 * A Mosquitto of the benchmark's own, on a free port. Its queues are large enough that a
 * backlog of a whole round fits (the default 1000 would silently drop QoS 1 messages of a
 * slow or offline subscriber), and QoS 0 messages are queued for offline sessions too, so a
 * backlog can be built at either QoS.
 */
export function startBenchMosquitto(): Promise<MosquittoBroker> {
  return startMosquitto({
    maxQueuedMessages: 5_000_000,
    extraConfig: ['queue_qos0_messages true', 'max_queued_bytes 0', 'max_inflight_messages 0'].join('\n'),
    startTimeoutMs: 10_000,
  });
}

export type { MosquittoBroker };
