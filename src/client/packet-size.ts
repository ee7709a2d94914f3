import type { IClientPublishOptions } from 'mqtt';
import { generate } from 'mqtt-packet';

/** Bytes of MQTT's variable-length integer encoding `value` (1–4). */
export function varIntSize(value: number): number {
  if (value < 128) return 1;
  if (value < 16_384) return 2;
  if (value < 2_097_152) return 3;
  return 4;
}

/**
 * The exact size in bytes of the PUBLISH packet mqtt.js will write for this publish (fixed
 * header, topic, packet identifier, MQTT 5 properties, payload), to compare with the broker's
 * Maximum Packet Size before sending. Without properties it is arithmetic; with them the
 * properties are encoded once by mqtt-packet (the library mqtt.js writes with), without the
 * payload, so a large payload is never copied.
 */
export function publishPacketSize(
  topic: string,
  payload: Buffer | string,
  options: IClientPublishOptions,
  protocolVersion: 3 | 4 | 5,
): number {
  const payloadBytes = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
  const qos = options.qos ?? 0;
  let remaining: number;
  if (protocolVersion === 5 && options.properties && Object.keys(options.properties).length > 0) {
    const header = generate(
      {
        cmd: 'publish',
        topic,
        payload: Buffer.alloc(0),
        qos,
        retain: false,
        dup: false,
        messageId: qos > 0 ? 1 : undefined,
        properties: options.properties,
      },
      { protocolVersion: 5 },
    );
    remaining = decodeRemainingLength(header) + payloadBytes;
  } else {
    remaining =
      2 + Buffer.byteLength(topic) + (qos > 0 ? 2 : 0) + (protocolVersion === 5 ? 1 : 0) + payloadBytes;
  }
  return 1 + varIntSize(remaining) + remaining;
}

/** The Remaining Length of a generated packet (its fixed header's variable-length integer). */
function decodeRemainingLength(packet: Buffer): number {
  let value = 0;
  let multiplier = 1;
  for (let i = 1; i < 5; i++) {
    const byte = packet[i]!;
    value += (byte & 0x7f) * multiplier;
    if ((byte & 0x80) === 0) break;
    multiplier *= 128;
  }
  return value;
}
