import type { MqttService } from 'koa-mqtt';
import { Token } from 'typedi';
import { OverheatAlertDto } from './overheat-alert.dto.js';

/**
 * What this app publishes, declared when the app is built (not when a controller is first
 * made), so the AsyncAPI document lists it before anything connects.
 */
export function declareAlerts(mqtt: MqttService) {
  return {
    overheat: mqtt.publisher('alerts/+deviceId/overheat', {
      qos: 1,
      payload: OverheatAlertDto,
      summary: 'A device reported a temperature above the alert threshold',
    }),
  };
}

export type Alerts = ReturnType<typeof declareAlerts>;

/** The DI token of the declared alerts. */
export const ALERTS = new Token<Alerts>('alerts');
