import type { MqttService } from '../service/mqtt-service.js';

/**
 * Types `ctx.mqtt` in every Koa middleware and router handler once `koa-mqtt` is imported.
 * `useMqtt(app, …)` sets it on `app.context`.
 */
declare module 'koa' {
  interface DefaultContext {
    /** The app's `MqttService`: publish, subscribe, unsubscribe, topics… */
    mqtt: MqttService;
  }
}
