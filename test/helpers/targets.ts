import { startEmbeddedBroker } from '../../src/testing/index.js';
import { type MosquittoOptions, startMosquitto } from './mosquitto.js';
import { mosquittoSkipReason } from './mosquitto-available.js';

/** A broker a shared suite runs against, and the protocol the app is told to use. */
export interface BrokerTarget {
  readonly name: string;
  /** undefined: the app's default (MQTT 5, falling back to 3.1.1). */
  readonly protocolVersion: 4 | 5 | undefined;
  /** Why the target is skipped, or false. */
  readonly skip: string | false;
  start(options?: MosquittoOptions): Promise<RunningBroker>;
}

export interface RunningBroker {
  readonly url: string;
  close(): Promise<void>;
}

const aedes: BrokerTarget = {
  name: 'aedes (MQTT 3.1.1, via fallback)',
  protocolVersion: undefined,
  skip: false,
  start: () => startEmbeddedBroker(),
};

function mosquitto(protocolVersion: 4 | 5): BrokerTarget {
  return {
    name: `Mosquitto (MQTT ${protocolVersion === 5 ? '5' : '3.1.1'})`,
    protocolVersion,
    get skip() {
      return mosquittoSkipReason();
    },
    start: (options) => startMosquitto(options),
  };
}

/** aedes in process, and Mosquitto processes on MQTT 5 and 3.1.1: the brokers every shared suite runs on. */
export const targets: readonly BrokerTarget[] = [aedes, mosquitto(5), mosquitto(4)];
export const mosquittoTargets: readonly BrokerTarget[] = [mosquitto(5), mosquitto(4)];
