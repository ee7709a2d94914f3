import 'reflect-metadata';
import { MqttConfig } from 'koa-mqtt';
import { createApp } from './app.js';

/**
 * The app as `koa-mqtt-asyncapi` documents it (`npx koa-mqtt-asyncapi .build/example-app/src/contract.js`):
 * built, never started; the server is the broker `MQTT_URL` names, else the embedded one.
 */
export default function contract() {
  const config = process.env.MQTT_URL
    ? MqttConfig.fromEnv()
    : MqttConfig.from({ url: 'mqtt://127.0.0.1:1884', protocolVersion: 4 });
  return createApp(config).mqtt;
}
