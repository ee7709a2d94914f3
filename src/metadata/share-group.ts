import { MqttDefinitionError } from '../errors.js';
import { shareGroupProblem } from '../topic/problems.js';

/** The environment variable that sets the app-wide share group when `shareGroup` is not given. */
export const SHARE_GROUP_ENV = 'MQTT_SHARE_GROUP';

/**
 * The app-wide share group: `shareGroup` if given (`false` or `''`: none, whatever the
 * environment says), else `MQTT_SHARE_GROUP`, else none. Throws `MqttDefinitionError` for a
 * name the broker would refuse (empty after trimming, or with `/`, `+`, `#`).
 */
export function resolveShareGroup(
  option: string | false | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const fromEnv = option === undefined;
  const group = fromEnv ? env[SHARE_GROUP_ENV]?.trim() : option;
  if (group === false || group === undefined || group === '') return undefined;
  const problem = shareGroupProblem(group);
  if (problem !== undefined) {
    const source = fromEnv
      ? `${SHARE_GROUP_ENV}=${JSON.stringify(group)}`
      : `shareGroup ${JSON.stringify(group)}`;
    throw new MqttDefinitionError(`${source} is not a valid share name: ${problem.detail}`);
  }
  return group;
}
