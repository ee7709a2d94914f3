import 'reflect-metadata';
import Koa from 'koa';
import { type MqttConfig, type MqttKoaHandle, mqttHealth, useMqtt } from 'koa-mqtt';
import { useContainer, useKoaServer } from 'routing-controllers';
import { Container } from 'typedi';
import { PublishController } from './http/publish.controller.js';
import { ReadingsController } from './http/readings.controller.js';
import { SubscriptionsController } from './http/subscriptions.controller.js';
import { logger } from './logger.js';
import { SensorController } from './sensors/sensor.controller.js';

/**
 * The whole app: Koa with routing-controllers for HTTP, koa-mqtt for MQTT, typedi
 * resolving both kinds of controller (so `MqttService` is injected into HTTP controllers).
 */
export function createApp(config: MqttConfig): { app: Koa; mqtt: MqttKoaHandle } {
  const app = new Koa();
  app.use(mqttHealth({ path: '/health' }));

  useContainer(Container);
  useKoaServer(app, {
    controllers: [ReadingsController, PublishController, SubscriptionsController],
    validation: true,
    classTransformer: true,
    development: false, // error responses without stack traces
  });

  const mqtt = useMqtt(app, {
    config,
    controllers: [SensorController],
    container: Container,
    logger,
    stopTimeout: 5000,
  });
  return { app, mqtt };
}
