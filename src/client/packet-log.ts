import type { MqttClient, Packet } from 'mqtt';
import type { MqttLogger } from '../logger.js';

/**
 * `MqttConfig.logPackets`: every packet sent and received, at debug level, by type, topic or
 * filters, packet identifier, QoS and reason code; never payloads nor credentials (Flask-MQTT's
 * `on_log`, paho's MQTT_LOG_DEBUG lines).
 */
export function logPackets(client: MqttClient, logger: MqttLogger): void {
  client.on('packetsend', (packet: Packet) =>
    logger.debug(describe(packet, 'out'), `MQTT ${packet.cmd} sent`),
  );
  client.on('packetreceive', (packet: Packet) =>
    logger.debug(describe(packet, 'in'), `MQTT ${packet.cmd} received`),
  );
}

function describe(packet: Packet, direction: 'in' | 'out'): Record<string, unknown> {
  const record: Record<string, unknown> = { direction, type: packet.cmd };
  if (packet.messageId !== undefined) record.messageId = packet.messageId;
  switch (packet.cmd) {
    case 'publish':
      record.topic = packet.topic;
      record.qos = packet.qos;
      if (packet.retain) record.retain = true;
      if (packet.dup) record.dup = true;
      record.bytes = packet.payload.length;
      break;
    case 'subscribe':
      record.filters = packet.subscriptions.map((s) => s.topic);
      break;
    case 'unsubscribe':
      record.filters = packet.unsubscriptions;
      break;
    case 'suback':
      record.granted = packet.granted;
      break;
    case 'connack':
      record.sessionPresent = packet.sessionPresent;
      record.reasonCode = packet.reasonCode ?? packet.returnCode;
      break;
    case 'puback':
    case 'pubrec':
    case 'pubrel':
    case 'pubcomp':
    case 'disconnect':
      if (packet.reasonCode !== undefined) record.reasonCode = packet.reasonCode;
      break;
  }
  return record;
}
