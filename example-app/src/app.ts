import 'reflect-metadata';
import Koa from 'koa';
import { type MqttConfig, type MqttKoaHandle, mqttHealth, useMqtt } from 'koa-mqtt';
import { mqttDocs } from 'koa-mqtt/asyncapi';
import { useContainer, useKoaServer } from 'routing-controllers';
import { Container } from 'typedi';
import { PublishController } from './http/publish.controller.js';
import { ReadingsController } from './http/readings.controller.js';
import { SubscriptionsController } from './http/subscriptions.controller.js';
import { logger } from './logger.js';
import { ALERTS, declareAlerts } from './sensors/alerts.js';
import { SensorController } from './sensors/sensor.controller.js';

/**
 * The whole app: Koa with routing-controllers for HTTP, koa-mqtt for MQTT, typedi
 * resolving both kinds of controller (so `MqttService` is injected into HTTP controllers),
 * and the MQTT contract as AsyncAPI at /asyncapi (page), /asyncapi.json and /asyncapi.yaml.
 */
export function createApp(config: MqttConfig): { app: Koa; mqtt: MqttKoaHandle } {
  const app = new Koa();
  app.use(mqttHealth({ path: '/health' }));

  const mqtt = useMqtt(app, {
    config,
    controllers: [SensorController],
    container: Container,
    logger,
    stopTimeout: 5000,
  });
  Container.set(ALERTS, declareAlerts(mqtt.service));
  app.use(
    mqttDocs(mqtt, {
      info: {
        title: 'Sensor service',
        version: '1.0.0',
        description: 'Temperatures arrive over MQTT; readings above 80 °C publish an alert.',
      },
    }),
  );

  useContainer(Container);
  useKoaServer(app, {
    controllers: [ReadingsController, PublishController, SubscriptionsController],
    validation: true,
    classTransformer: true,
    development: false, // error responses without stack traces
  });
  return { app, mqtt };
}
