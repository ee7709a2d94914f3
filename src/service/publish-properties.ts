import type { PublishOptions, PublishProperties } from '../client/publish-options.js';
import { MqttPublishError } from '../errors.js';
import { isValidTopicName } from '../topic/index.js';

/**
 * Checks the strings of MQTT 5 publish properties before they reach mqtt.js: a NUL or control
 * character makes Mosquitto drop the connection, and mqtt.js would then resend the same packet
 * on every reconnect. Throws `MqttPublishError` naming the property; sends nothing.
 */
export function checkPublishProperties(topic: string, properties: PublishProperties): void {
  const fail = (what: string, problem: string) => {
    throw new MqttPublishError(topic, `property ${what} ${problem}`);
  };
  const check = (what: string, value: unknown) => {
    if (typeof value !== 'string') fail(what, `must be a string, got ${typeof value}`);
    else if (hasControl(value)) fail(what, 'contains a control character (U+0000–U+001F, U+007F–U+009F)');
  };
  if (properties.contentType !== undefined) check('contentType', properties.contentType);
  if (properties.responseTopic !== undefined) {
    check('responseTopic', properties.responseTopic);
    if (!isValidTopicName(properties.responseTopic)) fail('responseTopic', 'is not a valid topic name');
  }
  for (const [key, value] of Object.entries(properties.userProperties ?? {})) {
    check(`userProperties key ${JSON.stringify(key)}`, key);
    for (const item of Array.isArray(value) ? value : [value])
      check(`userProperties[${JSON.stringify(key)}]`, item);
  }
}

/** Checks `qos`, `retain` and `dup` (mqtt.js fails obscurely on a QoS outside 0–2). Throws `MqttPublishError`. */
export function checkPublishFlags(topic: string, options: PublishOptions): void {
  if (options.qos !== undefined && options.qos !== 0 && options.qos !== 1 && options.qos !== 2) {
    throw new MqttPublishError(topic, `qos must be 0, 1 or 2, got ${String(options.qos)}`);
  }
  for (const flag of ['retain', 'dup'] as const) {
    const value = options[flag];
    if (value !== undefined && typeof value !== 'boolean') {
      throw new MqttPublishError(topic, `${flag} must be a boolean, got ${typeof value}`);
    }
  }
}

function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return true;
  }
  return false;
}
