import type { IPublishPacket } from 'mqtt';
import type { QoS } from '../metadata/types.js';

type MqttPublishProperties = NonNullable<IPublishPacket['properties']>;

/** MQTT 5 PUBLISH properties `publish` passes through (each may be given as `undefined`). */
export type PublishProperties = {
  [K in keyof MqttPublishProperties]?: MqttPublishProperties[K] | undefined;
};

export interface PublishOptions {
  readonly qos?: QoS | undefined;
  readonly retain?: boolean | undefined;
  readonly dup?: boolean | undefined;
  /** MQTT 5 only: user properties, message expiry, content type, response topic, correlation data… */
  readonly properties?: PublishProperties | undefined;
}
