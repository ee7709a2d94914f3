import type { MqttApp } from '../app/app.js';
import type { HandlerDefinition, RouteDefinition } from '../metadata/definitions.js';
import type { PayloadOptions, PayloadType } from '../metadata/types.js';
import type { PublisherDefinition } from '../service/publisher.js';
import { channelAddress, idFrom } from './address.js';
import { ClassSchemas } from './class-schema.js';
import type {
  AsyncApiChannel,
  AsyncApiDocument,
  AsyncApiInfo,
  AsyncApiMessage,
  AsyncApiOperation,
  AsyncApiServer,
  Ref,
} from './document.js';
import type { AsyncApiWarning } from './json-schema.js';
import { type DeclaredPayload, payloadMessage } from './payload-message.js';
import { brokerServer } from './servers.js';

/** What the generator reads: the MQTT app, or anything holding it (`useMqtt`'s handle, `MqttService`). */
export type AsyncApiSource = MqttApp | { readonly app: MqttApp };

/** Options of {@link mqttAsyncApi}. */
export interface MqttAsyncApiOptions {
  /** The document's `info`; `title` defaults to "MQTT API", `version` to "1.0.0". */
  readonly info?: Partial<AsyncApiInfo>;
  /** The document's `id` (a URI), if any. */
  readonly id?: string;
  /** Servers instead of the one read from the app's config; `false`: none. */
  readonly servers?: Readonly<Record<string, AsyncApiServer>> | false;
  /** Key of the server read from the config. Default `broker`. */
  readonly serverName?: string;
  /** Called for each thing the document cannot express (also noted in the document). */
  readonly onWarning?: (warning: AsyncApiWarning) => void;
}

/** The document and what it could not express. */
export interface AsyncApiResult {
  readonly document: AsyncApiDocument;
  readonly warnings: readonly AsyncApiWarning[];
}

/**
 * The app's MQTT contract as an AsyncAPI 3.0 document, read from the definitions the runtime
 * uses (controllers, routes, share groups, QoS, declared publishers, the config): one channel
 * per subscription, a `receive` operation per handler route, a `send` operation per declared
 * publisher. Reads only: it starts, connects and changes nothing.
 */
export function mqttAsyncApi(source: AsyncApiSource, options: MqttAsyncApiOptions = {}): AsyncApiDocument {
  return describeMqttApp(source, options).document;
}

/** {@link mqttAsyncApi}, with the list of what the document could not express. */
export function describeMqttApp(source: AsyncApiSource, options: MqttAsyncApiOptions = {}): AsyncApiResult {
  const app = appOf(source);
  const warnings: AsyncApiWarning[] = [];
  const warn = (warning: AsyncApiWarning) => {
    warnings.push(warning);
    options.onWarning?.(warning);
  };
  const builder = new DocumentBuilder(app, warn);
  for (const controller of app.definitions) {
    for (const handler of controller.handlers) builder.handler(handler);
  }
  for (const publisher of app.service.publishers) builder.publisher(publisher);
  const document: AsyncApiDocument = {
    asyncapi: '3.0.0',
    ...(options.id === undefined ? {} : { id: options.id }),
    info: { title: 'MQTT API', version: '1.0.0', ...options.info },
    defaultContentType: 'application/json',
    ...servers(app, options),
    channels: builder.channels,
    operations: builder.operations,
    components: { schemas: builder.schemas.schemas },
  };
  return { document, warnings };
}

/**
 * The app of a source. Recognised by shape, not `instanceof`: an app built from the package's
 * `dist` and a generator loaded from elsewhere (a CLI, a test build) hold different classes.
 */
export function appOf(source: AsyncApiSource): MqttApp {
  return isApp(source) ? source : source.app;
}

export function isApp(value: unknown): value is MqttApp {
  const app = value as Partial<MqttApp> | null | undefined;
  return (
    Array.isArray(app?.definitions) && typeof app?.service === 'object' && typeof app?.config === 'object'
  );
}

function servers(app: MqttApp, options: MqttAsyncApiOptions): Pick<AsyncApiDocument, 'servers'> {
  if (options.servers === false) return {};
  if (options.servers) return { servers: { ...options.servers } };
  return { servers: { [options.serverName ?? 'broker']: brokerServer(app.config) } };
}

class DocumentBuilder {
  readonly channels: Record<string, AsyncApiChannel> = {};
  readonly operations: Record<string, AsyncApiOperation> = {};
  readonly schemas: ClassSchemas;
  /** Channel id by subscription filter (receive) or pattern (send). */
  private readonly channelIds = new Map<string, string>();

  constructor(
    private readonly app: MqttApp,
    private readonly warn: (warning: AsyncApiWarning) => void,
  ) {
    this.schemas = new ClassSchemas(warn);
  }

  handler(handler: HandlerDefinition): void {
    const param = handler.record.params.find((p) => p.kind === 'payload');
    const declared = param ? this.declaredPayload(param.type, param.payload ?? {}) : undefined;
    const replyType = this.replyType(handler);
    handler.routes.forEach((route, index) => {
      const channelId = this.receiveChannel(route);
      const where = handler.name;
      const messageRef = this.message(channelId, payloadMessage(declared, this.schemas, this.warn, where));
      const operationId = this.uniqueOperation(index === 0 ? handler.name : `${handler.name}.${index + 1}`);
      const options = handler.record.topics[index]?.options ?? {};
      const operation: AsyncApiOperation = {
        action: 'receive',
        channel: { $ref: `#/channels/${channelId}` },
        ...(options.summary === undefined ? {} : { summary: options.summary }),
        ...(options.description === undefined ? {} : { description: options.description }),
        messages: [messageRef],
        bindings: { mqtt: { qos: route.subscription.qos, bindingVersion: '0.2.0' } },
        'x-koa-mqtt-handler': handler.name,
        'x-koa-mqtt-ack': route.ack ?? this.app.ack,
      };
      const group = shareGroupOf(route);
      if (group !== undefined) operation['x-koa-mqtt-share-group'] = group;
      const subscription = subscriptionExtension(route);
      if (subscription) operation['x-koa-mqtt-subscription'] = subscription;
      if (replyType !== undefined) operation.reply = this.reply(channelId, replyType, handler.name);
      this.operations[operationId] = operation;
    });
  }

  publisher(publisher: PublisherDefinition): void {
    const { address, parameters } = channelAddress(publisher.pattern.pattern);
    const channelId = this.uniqueChannel(`${idFrom(address)}.publish`);
    this.channels[channelId] = {
      address,
      ...(Object.keys(parameters).length > 0 ? { parameters } : {}),
      messages: {},
      'x-koa-mqtt-pattern': publisher.source,
    };
    const where = `publisher(${JSON.stringify(publisher.source)})`;
    const declared =
      publisher.payload === undefined ? undefined : this.declaredPayload(publisher.payload, {});
    const messageRef = this.message(channelId, payloadMessage(declared, this.schemas, this.warn, where));
    this.operations[this.uniqueOperation(`publish.${idFrom(address)}`)] = {
      action: 'send',
      channel: { $ref: `#/channels/${channelId}` },
      ...(publisher.summary === undefined ? {} : { summary: publisher.summary }),
      ...(publisher.description === undefined ? {} : { description: publisher.description }),
      messages: [messageRef],
      bindings: { mqtt: { qos: publisher.qos, retain: publisher.retain, bindingVersion: '0.2.0' } },
    };
  }

  /** One channel per subscription filter; handlers on the same subscription share it. */
  private receiveChannel(route: RouteDefinition): string {
    const known = this.channelIds.get(route.subscriptionFilter);
    if (known !== undefined) return known;
    const pattern = route.pattern;
    const written =
      pattern.group === undefined
        ? pattern.pattern
        : pattern.pattern.slice(`$share/${pattern.group}/`.length);
    const { address, parameters } = channelAddress(written);
    const group = shareGroupOf(route);
    const id = this.uniqueChannel(
      group === undefined ? idFrom(address) : `${idFrom(address)}.${idFrom(group)}`,
    );
    this.channels[id] = {
      address,
      ...(Object.keys(parameters).length > 0 ? { parameters } : {}),
      messages: {},
      'x-koa-mqtt-filter': route.subscriptionFilter,
      'x-koa-mqtt-pattern': route.source,
    };
    this.channelIds.set(route.subscriptionFilter, id);
    return id;
  }

  /** Adds the message to the channel (once per name) and returns a reference to it. */
  private message(channelId: string, built: { key: string; message: AsyncApiMessage }): Ref {
    const messages = this.channels[channelId]!.messages;
    let key = built.key;
    for (let n = 2; key in messages && !sameMessage(messages[key]!, built.message); n++)
      key = `${built.key}_${n}`;
    messages[key] = built.message;
    return { $ref: `#/channels/${channelId}/messages/${key}` };
  }

  private reply(
    channelId: string,
    type: PayloadType,
    handler: string,
  ): NonNullable<AsyncApiOperation['reply']> {
    const replyId = this.uniqueChannel(`${channelId}.reply`);
    this.channels[replyId] = {
      address: null,
      description: `Replies of ${handler} to MQTT 5 requests, published to the request's Response Topic with its Correlation Data.`,
      messages: {},
    };
    const declared = this.declaredPayload(type, {});
    const ref = this.message(replyId, payloadMessage(declared, this.schemas, this.warn, `${handler} reply`));
    return {
      address: {
        location: '$message.header#/responseTopic',
        description: 'The MQTT 5 Response Topic property of the request',
      },
      channel: { $ref: `#/channels/${replyId}` },
      messages: [ref],
    };
  }

  /** `@Topic({ reply })`, else a synchronous handler's declared return type (not void, not a Promise). */
  private replyType(handler: HandlerDefinition): PayloadType | undefined {
    const declared = handler.record.topics.find((topic) => topic.options.reply !== undefined)?.options.reply;
    if (declared !== undefined) return declared;
    const controller = this.app.definitions.find((c) => c.handlers.includes(handler))?.target;
    const returned: unknown = controller
      ? Reflect.getMetadata('design:returntype', controller.prototype, handler.method)
      : undefined;
    if (typeof returned !== 'function' || returned === Promise || returned === Object) return undefined;
    return returned as PayloadType;
  }

  private declaredPayload(type: unknown, options: PayloadOptions): DeclaredPayload {
    // The rule of `validatorOptions` (payload/decode.ts), which needs class-validator loaded by start().
    const asked = options.validate === true || typeof options.validate === 'object';
    const validated =
      typeof type === 'function' &&
      options.validate !== false &&
      (this.app.validation !== false || asked) &&
      ClassSchemas.validated(type);
    return { type, decoder: options.decoder !== undefined, validated };
  }

  private uniqueChannel(base: string): string {
    let id = base;
    for (let n = 2; id in this.channels; n++) id = `${base}_${n}`;
    return id;
  }

  private uniqueOperation(base: string): string {
    let id = base;
    for (let n = 2; id in this.operations; n++) id = `${base}_${n}`;
    return id;
  }
}

function shareGroupOf(route: RouteDefinition): string | undefined {
  const filter = route.subscriptionFilter;
  if (!filter.startsWith('$share/')) return undefined;
  return filter.slice('$share/'.length, filter.indexOf('/', '$share/'.length));
}

function subscriptionExtension(route: RouteDefinition): AsyncApiOperation['x-koa-mqtt-subscription'] {
  const { noLocal, retainAsPublished, retainHandling } = route.subscription;
  const extension: NonNullable<AsyncApiOperation['x-koa-mqtt-subscription']> = {};
  if (noLocal) extension.noLocal = true;
  if (retainAsPublished) extension.retainAsPublished = true;
  if (retainHandling !== 0) extension.retainHandling = retainHandling;
  return Object.keys(extension).length > 0 ? extension : undefined;
}

function sameMessage(a: AsyncApiMessage, b: AsyncApiMessage): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
