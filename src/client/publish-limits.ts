import type { IClientPublishOptions } from 'mqtt';
import { MqttCapabilityError, quote } from '../errors.js';
import type { QoS } from '../metadata/types.js';
import type { BrokerCapabilities } from './capabilities.js';
import { publishPacketSize } from './packet-size.js';

/**
 * Checks a publish against what the broker allows, before anything is sent: a broker answers
 * a PUBLISH over its limits by closing the connection (MQTT 5: DISCONNECT 0x9B, 0x9A, 0x95),
 * and mqtt.js would resend the stored packet on every reconnect. Throws `MqttCapabilityError`
 * naming the limit and the value. With `downgradeQos`, a QoS above the broker's maximum is
 * lowered instead (the returned options say so).
 */
export function enforcePublishLimits(
  topic: string,
  payload: Buffer | string,
  options: IClientPublishOptions,
  capabilities: BrokerCapabilities,
  downgradeQos: boolean,
): IClientPublishOptions {
  let checked = options;
  const qos = options.qos ?? 0;
  if (qos > capabilities.maximumQoS) {
    if (!downgradeQos) {
      throw new MqttCapabilityError(
        `Publish to ${quote(topic)} at QoS ${qos}: the broker's Maximum QoS is ${capabilities.maximumQoS} (set downgradeQos: true to publish at QoS ${capabilities.maximumQoS})`,
        'maximumQoS',
        qos,
        capabilities.maximumQoS,
      );
    }
    checked = { ...options, qos: capabilities.maximumQoS as QoS };
  }
  if (options.retain && !capabilities.retainAvailable) {
    throw new MqttCapabilityError(
      `Publish to ${quote(topic)} with retain: the broker does not keep retained messages (Retain Available is false)`,
      'retainAvailable',
      true,
      false,
    );
  }
  const limit = capabilities.maximumPacketSize;
  if (limit !== undefined) {
    const bytes = byteLength(payload);
    // A packet can only be too large if the payload is close to the limit: skip the exact count otherwise.
    if (bytes + 4 + Buffer.byteLength(topic) * 3 + 64 > limit || checked.properties) {
      const size = publishPacketSize(topic, payload, checked, capabilities.protocolVersion);
      if (size > limit) {
        throw new MqttCapabilityError(
          `Publish to ${quote(topic)}: the packet would be ${size} bytes (payload ${bytes}), over the broker's Maximum Packet Size of ${limit} bytes`,
          'maximumPacketSize',
          size,
          limit,
        );
      }
    }
  }
  return checked;
}

function byteLength(payload: Buffer | string): number {
  return typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
}
