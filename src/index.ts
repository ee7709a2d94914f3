import 'reflect-metadata';

export { MqttConfig, type MqttConfigInput, redactUrl, TlsConfig, WillConfig } from './client/config.js';
export type { ConnectInfo, DisconnectInfo, ProtocolVersion } from './client/connection.js';
export type { SubscriptionInfo, SubscriptionSource } from './client/subscriptions.js';
export {
  OnConnect,
  OnDisconnect,
  OnError,
  OnMessage,
  OnPublish,
  OnSubscribe,
  OnUnsubscribe,
} from './decorators/events.js';
export { MqttController } from './decorators/mqtt-controller.js';
export { Ctx, Packet, Params, Payload, TopicName, TopicParam } from './decorators/params.js';
export { Topic } from './decorators/topic.js';
export * from './errors.js';
export {
  type MqttHealthOptions,
  type MqttHealthReport,
  mqttHealth,
  mqttHealthReport,
} from './koa/health.js';
export { type MqttKoaHandle, type UseMqttOptions, useMqtt } from './koa/use-mqtt.js';
export { consoleLogger, loggableError, type MqttLogger, silentLogger } from './logger.js';
export type {
  AckMode,
  Constructable,
  ControllerOptions,
  DeadLetterOptions,
  DecoderContext,
  PayloadDecoder,
  PayloadOptions,
  PayloadType,
  QoS,
  SubscriptionOptions,
  TopicOptions,
} from './metadata/types.js';
export { createMqttApp, MqttApp } from './runtime/app.js';
export { MqttContext, type TopicParams } from './runtime/context.js';
export { DEAD_LETTER_PROPERTIES, type DeadLetterEnvelope } from './runtime/dead-letter.js';
export { type EncodedPayload, encodePayload } from './runtime/encode.js';
export {
  type MqttEventMap,
  type MqttEventName,
  MqttEvents,
  type PublishErrorEvent,
} from './runtime/events.js';
export type { MessageHandler } from './runtime/handler.js';
export type { HookArgs, PublishEvent, SubscribeEvent, UnsubscribeEvent } from './runtime/hooks.js';
export type { UserProperties } from './runtime/message.js';
export type { ControllerContainer, MqttAppOptions } from './runtime/options.js';
export type { Ordering } from './runtime/ordering.js';
export { MAX_DEPTH as MAX_PAYLOAD_DEPTH } from './runtime/payload.js';
export { REPLY_ERROR_CODE_PROPERTY, REPLY_ERROR_PROPERTY } from './runtime/reply.js';
export { SHARE_GROUP_ENV } from './runtime/share-group.js';
export { MqttPublisher } from './service/mqtt-publisher.js';
export {
  MqttService,
  type PublishOptions,
  type PublishProperties,
  type PublishResult,
  type RuntimeSubscribeOptions,
  type SubscribeResult,
} from './service/mqtt-service.js';
export type {
  PayloadOf,
  PublisherArgs,
  PublisherDefinition,
  PublisherOptions,
} from './service/publisher.js';
export { MqttReply } from './service/reply-message.js';
export { REPLY_TOPIC_ROOT, type RequestOptions } from './service/requester.js';
export * from './topic/index.js';
