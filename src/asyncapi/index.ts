import 'reflect-metadata';

/** `koa-mqtt/asyncapi`: the app's MQTT contract as an AsyncAPI 3.0 document, and a docs page. */
export { channelAddress } from './address.js';
export { type DocsContext, type DocsMiddleware, type MqttDocsOptions, mqttDocs } from './docs.js';
export type * from './document.js';
export {
  type AsyncApiResult,
  type AsyncApiSource,
  describeMqttApp,
  type MqttAsyncApiOptions,
  mqttAsyncApi,
} from './generate.js';
export type { AsyncApiWarning, JsonSchema } from './json-schema.js';
export { toYaml } from './yaml.js';
