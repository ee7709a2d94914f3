import type { QoS } from '../metadata/types.js';

/** What `MqttService.publish` resolves with. */
export interface PublishResult {
  readonly topic: string;
  readonly qos: QoS;
  /** Packet identifier of a QoS 1/2 publish (Flask-MQTT's `mid`). */
  readonly messageId: number | undefined;
}
