import 'reflect-metadata';

export { createMqttApp, MqttApp, type MqttPlugin } from './app/app.js';
export { DEAD_LETTER_PROPERTIES, type DeadLetterEnvelope } from './app/dead-letter.js';
export type { ControllerContainer, MqttAppOptions } from './app/options.js';
export type { BrokerCapabilities, BrokerLimits } from './client/capabilities.js';
export {
  BrokerLimitsConfig,
  MqttConfig,
  type MqttConfigInput,
  redactUrl,
  TlsConfig,
  WillConfig,
} from './client/config.js';
export type { ConnectInfo, DisconnectInfo, ProtocolVersion } from './client/connection.js';
export type { PublishOptions, PublishProperties } from './client/publish-options.js';
export type { SubscriptionInfo, SubscriptionSource } from './client/subscriptions.js';
export {
  OnConnect,
  OnDisconnect,
  OnError,
  OnMessage,
  type OnMessageOptions,
  OnPublish,
  OnSubscribe,
  OnUnsubscribe,
} from './decorators/events.js';
export { MqttController } from './decorators/mqtt-controller.js';
export { Ctx, Packet, Params, Payload, TopicName, TopicParam } from './decorators/params.js';
export { Topic } from './decorators/topic.js';
export { MqttContext, type MqttRouteInfo, type MqttState, type TopicParams } from './dispatch/context.js';
export type { FlowStats } from './dispatch/dispatcher.js';
export {
  type MqttEventMap,
  type MqttEventName,
  MqttEvents,
  type PublishErrorEvent,
} from './dispatch/events.js';
export type { MessageHandler } from './dispatch/handler.js';
export type { HookArgs, PublishEvent, SubscribeEvent, UnsubscribeEvent } from './dispatch/hooks.js';
export type {
  MiddlewareLike,
  MqttMiddleware,
  MqttMiddlewareClass,
  Next,
} from './dispatch/middleware.js';
export type { Ordering } from './dispatch/ordering.js';
export type { MiddlewareContainer } from './dispatch/pipeline.js';
export { UseMiddleware } from './dispatch/use-middleware.js';
export * from './errors.js';
export {
  type MqttHealthOptions,
  type MqttHealthReport,
  mqttHealth,
  mqttHealthReport,
} from './koa/health.js';
export { type MqttKoaHandle, type UseMqttOptions, useMqtt } from './koa/use-mqtt.js';
export { consoleLogger, loggableError, type MqttLogger, silentLogger } from './logger.js';
export { DEFAULT_MAX_QUEUED, type Overflow } from './metadata/flow-options.js';
export { SHARE_GROUP_ENV } from './metadata/share-group.js';
export type {
  AckMode,
  Constructable,
  ControllerOptions,
  DeadLetterOptions,
  DecoderContext,
  DtoValidatorOptions,
  PayloadDecoder,
  PayloadOptions,
  PayloadType,
  QoS,
  SubscriptionOptions,
  TopicOptions,
} from './metadata/types.js';
export { MAX_DEPTH as MAX_PAYLOAD_DEPTH } from './payload/decode.js';
export { type EncodedPayload, encodePayload } from './payload/encode.js';
export type { UserProperties } from './payload/message.js';
export { REPLY_ERROR_CODE_PROPERTY, REPLY_ERROR_PROPERTY } from './payload/reply-properties.js';
export { MqttPublisher } from './service/mqtt-publisher.js';
export {
  MqttService,
  type OnTopicOptions,
  type PublishResult,
  type RuntimeSubscribeOptions,
  type SubscribeResult,
} from './service/mqtt-service.js';
export type { OutgoingPublish, PublishInterceptor } from './service/publish-interceptor.js';
export type {
  PayloadOf,
  PublisherArgs,
  PublisherDefinition,
  PublisherOptions,
} from './service/publisher.js';
export { MqttRemoteError } from './service/remote-error.js';
export { MqttReply } from './service/reply-message.js';
export { REPLY_TOPIC_ROOT, type RequestOptions } from './service/requester.js';
export type { ControllerPausing, MqttServiceHost, PauseTarget } from './service/service-host.js';
export * from './topic/index.js';
