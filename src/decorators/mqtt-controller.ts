import { CONTROLLER_RULES, checkOptions, checkValue, rules, showPattern } from '../metadata/option-rules.js';
import { recordOf } from '../metadata/registry.js';
import type { ControllerOptions } from '../metadata/types.js';

/**
 * Marks a class as an MQTT controller. Its `@Topic` patterns are joined to `prefix`
 * (`'sensors'` + `'+id/temperature'` → `sensors/+id/temperature`). The prefix and options are
 * checked when the class is defined (`MqttOptionError`).
 *
 * ```ts
 * @MqttController('sensors', { qos: 1 })
 * class SensorController { … }
 * ```
 */
export function MqttController(prefix = '', options: ControllerOptions = {}): ClassDecorator {
  return (target) => {
    const where = `@MqttController(${showPattern(prefix)}) on ${target.name}`;
    checkValue(where, 'prefix', prefix, rules.string);
    checkOptions(where, CONTROLLER_RULES, options);
    recordOf(target).controller = { prefix, options };
  };
}
