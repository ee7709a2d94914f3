import { type MosquittoBroker, type MosquittoOptions, startMosquitto } from '../mosquitto.js';

/**
 * The global limits of issue 11, as Mosquitto 2.0 config lines (with `max_qos 1` on the listener): on MQTT 5 the CONNACK announces them
 * (Maximum QoS 1, Retain Available 0, Maximum Packet Size 2000, Receive Maximum 2) and a PUBLISH
 * over one of them gets DISCONNECT (0x9B, 0x9A, 0x95); on 3.1.1 the broker just closes.
 */
export const MOSQUITTO_LIMITS = [
  'retain_available false',
  'max_packet_size 2000',
  'max_inflight_messages 2',
].join('\n');

/** `max_qos` is an option of a listener (global, it would open a default listener on 1883). */
export const MOSQUITTO_LISTENER_LIMITS = 'max_qos 1';

/** Mosquitto 2.0 with {@link MOSQUITTO_LIMITS} and `max_qos 1`, on free ports in its own temp dir. */
export function startMosquittoWithLimits(options: MosquittoOptions = {}): Promise<MosquittoBroker> {
  return startMosquitto({
    ...options,
    extraConfig: join(MOSQUITTO_LIMITS, options.extraConfig),
    listenerConfig: join(MOSQUITTO_LISTENER_LIMITS, options.listenerConfig),
  });
}

/**
 * Mosquitto 2.0 with `allow_duplicate_messages true`: on MQTT 3.1.1 a client gets one copy of a
 * message per matching subscription (as NATS does, and as Mosquitto 2.1 is reported to by default).
 */
export function startMosquittoWithDuplicates(options: MosquittoOptions = {}): Promise<MosquittoBroker> {
  return startMosquitto({
    ...options,
    extraConfig: join('allow_duplicate_messages true', options.extraConfig),
  });
}

function join(config: string, extra: string | undefined): string {
  return extra ? `${config}\n${extra}` : config;
}
