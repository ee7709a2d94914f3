import { recordOf } from '../metadata/registry.js';
import type { ControllerOptions } from '../metadata/types.js';

/**
 * Marks a class as an MQTT controller. Its `@Topic` patterns are joined to `prefix`
 * (`'sensors'` + `'+id/temperature'` → `sensors/+id/temperature`).
 *
 * ```ts
 * @MqttController('sensors', { qos: 1 })
 * class SensorController { … }
 * ```
 */
export function MqttController(prefix = '', options: ControllerOptions = {}): ClassDecorator {
  return (target) => {
    recordOf(target).controller = { prefix, options };
  };
}
