import type { JsonSchema } from './json-schema.js';

/**
 * The part of AsyncAPI 3.0 (https://www.asyncapi.com/docs/reference/specification/v3.0.0) the
 * generator writes, with the MQTT bindings (version 0.2.0). `x-koa-mqtt-*` fields are extensions.
 */
export interface AsyncApiDocument {
  asyncapi: '3.0.0';
  id?: string;
  info: AsyncApiInfo;
  defaultContentType: string;
  servers?: Record<string, AsyncApiServer>;
  channels: Record<string, AsyncApiChannel>;
  operations: Record<string, AsyncApiOperation>;
  components: { schemas: Record<string, JsonSchema> };
}

export interface AsyncApiInfo {
  title: string;
  version: string;
  description?: string;
  termsOfService?: string;
  contact?: { name?: string; url?: string; email?: string };
  license?: { name: string; url?: string };
  tags?: Array<{ name: string; description?: string }>;
}

export interface AsyncApiServer {
  host: string;
  protocol: string;
  protocolVersion?: string;
  pathname?: string;
  description?: string;
  bindings?: { mqtt: MqttServerBinding };
}

export interface MqttServerBinding {
  clientId?: string;
  cleanSession?: boolean;
  keepAlive?: number;
  sessionExpiryInterval?: number;
  bindingVersion: '0.2.0';
}

export interface Ref {
  $ref: string;
}

export interface AsyncApiParameter {
  description?: string;
  examples?: string[];
  /** `one-level` for `+`, `multi-level` for `#` (see docs/asyncapi.md). */
  'x-koa-mqtt-wildcard'?: 'one-level' | 'multi-level';
}

export interface AsyncApiChannel {
  address: string | null;
  title?: string;
  summary?: string;
  description?: string;
  parameters?: Record<string, AsyncApiParameter>;
  messages: Record<string, AsyncApiMessage>;
  /** The MQTT filter subscribed to (with `$share/{group}/` when shared), or the publish pattern. */
  'x-koa-mqtt-filter'?: string;
  /** The pattern as written in the code, named levels included. */
  'x-koa-mqtt-pattern'?: string;
}

export interface AsyncApiMessage {
  name: string;
  title?: string;
  summary?: string;
  description?: string;
  contentType?: string;
  payload?: JsonSchema;
  bindings?: { mqtt: MqttMessageBinding };
  'x-koa-mqtt-unexpressed'?: string[];
}

export interface MqttMessageBinding {
  payloadFormatIndicator?: 0 | 1;
  contentType?: string;
  correlationData?: JsonSchema;
  responseTopic?: string | JsonSchema;
  bindingVersion: '0.2.0';
}

export interface MqttOperationBinding {
  qos?: 0 | 1 | 2;
  retain?: boolean;
  bindingVersion: '0.2.0';
}

export interface AsyncApiOperation {
  action: 'send' | 'receive';
  channel: Ref;
  title?: string;
  summary?: string;
  description?: string;
  messages: Ref[];
  bindings?: { mqtt: MqttOperationBinding };
  reply?: { address?: { location: string; description?: string }; channel: Ref; messages: Ref[] };
  /** The shared-subscription group of a receive operation. */
  'x-koa-mqtt-share-group'?: string;
  /** MQTT 5 subscription options other than their defaults. */
  'x-koa-mqtt-subscription'?: { noLocal?: boolean; retainAsPublished?: boolean; retainHandling?: 1 | 2 };
  /** When the handler's message is acknowledged (`auto`, `after-handler`). */
  'x-koa-mqtt-ack'?: string;
  /** The class and method that handle it (`SensorController.temperature`). */
  'x-koa-mqtt-handler'?: string;
}
