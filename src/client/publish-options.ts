import type { IPublishPacket } from 'mqtt';
import type { QoS } from '../metadata/types.js';

/** MQTT 5 PUBLISH properties `publish` passes through. */
export type PublishProperties = NonNullable<IPublishPacket['properties']>;

export interface PublishOptions {
  readonly qos?: QoS;
  readonly retain?: boolean;
  readonly dup?: boolean;
  /** MQTT 5 only: user properties, message expiry, content type, response topic, correlation data… */
  readonly properties?: PublishProperties;
}
