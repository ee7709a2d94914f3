import { MqttController, Payload, Topic, TopicParam } from 'koa-mqtt';
import { Inject, Service } from 'typedi';
import { ALERTS, type Alerts } from './alerts.js';
import { ReadingStore } from './reading-store.js';
import { TemperatureDto } from './temperature.dto.js';

/** Readings above this publish an `alerts/{deviceId}/overheat` alert. */
export const OVERHEAT_CELSIUS = 80;

/**
 * Handles `sensors/{deviceId}/temperature`: validated JSON, latest reading kept per device; a
 * reading above {@link OVERHEAT_CELSIUS} publishes an alert through a declared publisher.
 */
@Service()
@MqttController('sensors')
export class SensorController {
  constructor(
    private readonly readings: ReadingStore,
    @Inject(ALERTS) private readonly alerts: Alerts,
  ) {}

  @Topic('+deviceId/temperature', { qos: 1, summary: 'Temperature readings of one device' })
  async temperature(
    @TopicParam('deviceId') deviceId: string,
    @Payload() reading: TemperatureDto,
  ): Promise<void> {
    this.readings.put(deviceId, reading);
    if (reading.celsius > OVERHEAT_CELSIUS) {
      await this.alerts.overheat.publish(
        { deviceId },
        { celsius: reading.celsius, threshold: OVERHEAT_CELSIUS, at: new Date().toISOString() },
      );
    }
  }
}
