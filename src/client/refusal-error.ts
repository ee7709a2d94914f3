import { MqttError, MqttPublishError, MqttSubscriptionError, quote, reasonName } from '../errors.js';
import type { Refusal, SentPacket } from './refusals.js';

/** The error an operation the broker refused fails with: the broker's reason, or what was seen. */
export function refusalError(refusal: Refusal): { error: MqttError; packet: SentPacket } {
  const { packet, reasonCode } = refusal;
  const reason =
    reasonCode !== undefined
      ? `the broker disconnected with ${reasonName(reasonCode)} (0x${reasonCode.toString(16)})${refusal.reasonString ? `: ${refusal.reasonString}` : ''}`
      : `the broker closed the connection right after it, ${refusal.closes} time(s) in a row, without a reason (MQTT 3.1.1): it refuses it (a QoS, retain flag or size it does not allow? declare brokerLimits)`;
  if (packet.cmd === 'publish') {
    const topic = packet.topic ?? '';
    const error =
      packet.qos > 0
        ? new MqttPublishError(topic, `refused at QoS ${packet.qos}, not resent: ${reason}`, { reasonCode })
        : new MqttPublishError(
            topic,
            `QoS 0 publish${packet.count > 1 ? ` (the last of ${packet.count} in a row)` : ''} lost, though reported as sent: ${reason}`,
            { reasonCode },
          );
    return { error, packet };
  }
  if (packet.cmd === 'subscribe')
    return { error: new MqttSubscriptionError(packet.filters[0] ?? '', reasonCode ?? 0x80), packet };
  return {
    error: new MqttError(
      `UNSUBSCRIBE of ${packet.filters.map(quote).join(', ')} refused: ${reason}`,
      'ERR_MQTT_SUBSCRIPTION',
      { cause: undefined },
    ),
    packet,
  };
}
