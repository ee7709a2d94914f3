import type { PublishProperties } from '../client/publish-options.js';
import { MqttOptionError } from '../errors.js';
import {
  checkOptions,
  QOS_RULE,
  type Rule,
  type RuleTable,
  rule,
  rules,
  type Where,
} from '../metadata/option-rules.js';
import { isValidTopicName } from '../topic/index.js';

const CONTROL = 'without control characters (U+0000–U+001F, U+007F–U+009F)';

/** A NUL or control character in a property string makes Mosquitto drop the connection. */
function clean(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return false;
  }
  return true;
}

const USER_PROPERTIES: Rule = {
  text: `an object whose keys are ${CONTROL}`,
  test: (v) => typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).every(clean),
  each: rule(
    `a string or an array of strings, ${CONTROL}`,
    (v) => clean(v) || (Array.isArray(v) && v.every(clean)),
  ),
};

/**
 * MQTT 5 PUBLISH properties (§3.3.2.3), by their encoded widths. `topicAlias` is checked here
 * against the spec's range only; the broker's Topic Alias Maximum (CONNACK) is `checkTopicAlias`'s.
 */
export const PUBLISH_PROPERTY_RULES = {
  payloadFormatIndicator: rules.boolean,
  messageExpiryInterval: rules.integer(
    0,
    0xffff_ffff,
    'an integer number of seconds from 0 to 4,294,967,295',
  ),
  topicAlias: rules.integer(1, 0xffff, 'an integer from 1 to 65,535 (0 is not a topic alias)'),
  responseTopic: rule(`a valid topic name ${CONTROL}`, (v) => clean(v) && isValidTopicName(v)),
  correlationData: rules.buffer,
  userProperties: USER_PROPERTIES,
  // [MQTT-3.3.4-6]: only the broker puts subscription identifiers on a PUBLISH.
  subscriptionIdentifier: rule('absent: a client must not send one in a PUBLISH (MQTT-3.3.4-6)', () => false),
  contentType: rule(`a string ${CONTROL}`, clean),
} as const satisfies Record<keyof PublishProperties, Rule>;

/** `publish` options; `properties` as above. */
export const PUBLISH_RULES = {
  qos: QOS_RULE,
  retain: rules.boolean,
  dup: rules.boolean,
  properties: rules.nested(PUBLISH_PROPERTY_RULES),
} as const satisfies RuleTable;

/** Throws `MqttOptionError` for the first publish option that breaks its rule; sends nothing. */
export function checkPublishOptions(where: Where, options: unknown): void {
  checkOptions(where, PUBLISH_RULES, options);
}

/**
 * The broker's side of `topicAlias`: at most the Topic Alias Maximum of its CONNACK (absent or 0:
 * the broker takes no aliases). `maximum` undefined: not known (not connected yet, or MQTT 3.1.1,
 * where properties are refused anyway), and only the spec's range applies.
 */
export function checkTopicAlias(where: Where, alias: number | undefined, maximum: number | undefined): void {
  if (alias === undefined || maximum === undefined || alias <= maximum) return;
  throw new MqttOptionError(
    typeof where === 'string' ? where : where(),
    'properties.topicAlias',
    alias,
    maximum === 0
      ? 'absent: the broker accepts no topic aliases (Topic Alias Maximum 0)'
      : `at most the broker's Topic Alias Maximum, ${maximum}`,
  );
}
