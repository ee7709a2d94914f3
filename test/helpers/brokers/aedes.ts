import {
  type EmbeddedBroker,
  type EmbeddedBrokerOptions,
  startEmbeddedBroker,
} from '../../../src/testing/index.js';

/**
 * aedes in this process (`koa-mqtt/testing`'s embedded broker): MQTT 3.1.1 only, one copy of a
 * message for overlapping subscriptions, no shared subscriptions. No process to start: it is here
 * so that every broker of the conformance suite has its launcher under `test/helpers/brokers/`.
 */
export function startAedes(options: EmbeddedBrokerOptions = {}): Promise<EmbeddedBroker> {
  return startEmbeddedBroker(options);
}
