import { checkOptions, checkValue, rules, showPattern, TOPIC_RULES } from '../metadata/option-rules.js';
import { addTopic, handlerRecordOf } from '../metadata/registry.js';
import type { TopicOptions } from '../metadata/types.js';
import { methodName } from './method-key.js';

/**
 * Handles messages on a topic pattern (joined to the controller prefix). Named
 * parameters: `+name` (one level) and `#name` (the rest). A method may carry several.
 * The pattern and options are checked when the class is defined (`MqttOptionError`).
 *
 * ```ts
 * @Topic('+deviceId/temperature', { qos: 1 })
 * onTemperature(@TopicParam('deviceId') id: string, @Payload() body: Reading) { … }
 * ```
 */
export function Topic(pattern: string, options: TopicOptions = NO_OPTIONS): MethodDecorator {
  return (target, key) => {
    const method = methodName(target, key, '@Topic');
    const where = `@Topic(${showPattern(pattern)}) on ${target.constructor.name}.${method}`;
    checkValue(where, 'pattern', pattern, rules.string);
    checkOptions(where, TOPIC_RULES, options);
    addTopic(handlerRecordOf(target.constructor, method), { pattern, options });
  };
}

/** One frozen default: thousands of handlers need not carry an empty options object each. */
const NO_OPTIONS: TopicOptions = Object.freeze({});
