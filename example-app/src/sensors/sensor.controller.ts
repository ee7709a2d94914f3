import { MqttController, Payload, Topic, TopicParam } from 'koa-mqtt';
import { Service } from 'typedi';
import { ReadingStore } from './reading-store.js';
import { TemperatureDto } from './temperature.dto.js';

/** Handles `sensors/{deviceId}/temperature`: validated JSON, latest reading kept per device. */
@Service()
@MqttController('sensors')
export class SensorController {
  constructor(private readonly readings: ReadingStore) {}

  @Topic('+deviceId/temperature', { qos: 1 })
  temperature(@TopicParam('deviceId') deviceId: string, @Payload() reading: TemperatureDto): void {
    this.readings.put(deviceId, reading);
  }
}
