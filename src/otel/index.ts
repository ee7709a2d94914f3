/**
 * `koa-mqtt/otel`: OpenTelemetry tracing for an MQTT app, as a plug-in: `mqtt.use(otel())`.
 * Needs `@opentelemetry/api` (an optional peer dependency): only this entry point imports it,
 * so an app that does not use tracing neither loads nor needs it.
 *
 * - Each publish gets a PRODUCER span (child of the active context, e.g. an HTTP request's),
 *   and on MQTT 5 the registered propagator (W3C Trace Context: `traceparent`, `tracestate`)
 *   injects that span's context into the message's user properties. On MQTT 3.1.1 a PUBLISH has
 *   no properties: the producer span is recorded, nothing is propagated.
 * - Each handled message gets a CONSUMER span continuing the context extracted from its user
 *   properties (a new trace when there is none), active while the handler runs, so its own
 *   publishes are children of it. A failing handler records the exception and sets ERROR.
 * - MQTT 5 request/response: the reply's producer span is a child of the request's consumer
 *   span (with a link to it), so the reply travels in the request's trace back to the caller,
 *   where its arrival gets a CONSUMER span too (from a dispatch observer: the requester's own
 *   route runs no middleware).
 * Attributes follow the OpenTelemetry messaging semantic conventions (docs/tracing.md).
 */
import {
  context,
  type Link,
  propagation,
  ROOT_CONTEXT,
  type Span,
  type SpanContext,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import type { MqttApp, MqttPlugin } from '../app/app.js';
import type { MqttContext } from '../dispatch/context.js';
import type { MqttMiddleware } from '../dispatch/middleware.js';
import { addObserver, type DispatchObserver } from '../dispatch/observer.js';
import { encodePayload } from '../payload/encode.js';
import type { InboundMessage } from '../payload/message.js';
import type { PublishInterceptor } from '../service/publish-interceptor.js';
import { REPLY_HANDLER } from '../service/requester.js';

export interface OtelOptions {
  /** Default: the global tracer provider (`trace.getTracerProvider()`). */
  readonly tracerProvider?: TracerProvider;
  /** Tracer name. Default `koa-mqtt`. */
  readonly tracerName?: string;
}

type UserProperties = Record<string, string | string[]>;

/** Reads W3C headers from MQTT 5 user properties (a repeated property gives an array: take the first). */
const getter: TextMapGetter<UserProperties> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const value = carrier[key];
    return Array.isArray(value) ? value[0] : value;
  },
};

/** Consumer spans of requests being handled, by `responseTopic` + correlation data, until the reply is published. */
function replyKey(topic: string, correlationData: Buffer | undefined): string {
  return `${topic}\u0000${correlationData ? correlationData.toString('hex') : ''}`;
}

/** The plug-in: `mqtt.use(otel())` (the `useMqtt` handle or an `MqttApp`), before `start()`. */
export function otel(options: OtelOptions = {}): MqttPlugin {
  const provider = options.tracerProvider;
  const name = options.tracerName ?? 'koa-mqtt';
  let tracer: Tracer | undefined;
  const tracerOf = (): Tracer => {
    tracer ??= (provider ?? trace.getTracerProvider()).getTracer(name);
    return tracer;
  };
  let clientId = '';
  const replies = new Map<string, SpanContext>();

  /** Consumer spans of replies to `request()`, from the reply's arrival until `request()` settled. */
  const replySpans = new WeakMap<InboundMessage, Span>();
  const replyArrivals: DispatchObserver = {
    received: () => {},
    started: (route, message) => {
      if (route.handler?.name !== REPLY_HANDLER) return;
      const carrier = message.userProperties;
      const parent = carrier ? propagation.extract(ROOT_CONTEXT, carrier, getter) : ROOT_CONTEXT;
      const span = tracerOf().startSpan(
        `process ${message.topic}`,
        {
          kind: SpanKind.CONSUMER,
          attributes: {
            'messaging.system': 'mqtt',
            'messaging.operation.type': 'process',
            'messaging.operation.name': 'process',
            'messaging.destination.name': message.topic,
            'messaging.message.body.size': message.payload.length,
            'messaging.client.id': clientId,
            'code.function.name': REPLY_HANDLER,
          },
        },
        parent,
      );
      replySpans.set(message, span);
    },
    settled: (_route, message) => {
      replySpans.get(message)?.end();
      replySpans.delete(message);
    },
  };

  const middleware: MqttMiddleware = async (ctx: MqttContext, next) => {
    const carrier = ctx.userProperties;
    const parent = carrier ? propagation.extract(ROOT_CONTEXT, carrier, getter) : context.active();
    const filter = ctx.route?.filter ?? ctx.topic;
    const span = tracerOf().startSpan(
      `process ${filter}`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          'messaging.system': 'mqtt',
          'messaging.operation.type': 'process',
          'messaging.operation.name': 'process',
          'messaging.destination.name': ctx.topic,
          'messaging.destination.template': filter,
          'messaging.message.body.size': ctx.payload.length,
          'messaging.client.id': clientId,
          'code.function.name': ctx.handler,
          ...(ctx.route?.shareGroup ? { 'messaging.consumer.group.name': ctx.route.shareGroup } : {}),
          ...(ctx.packet.messageId !== undefined
            ? { 'messaging.message.id': String(ctx.packet.messageId) }
            : {}),
        },
      },
      parent,
    );
    try {
      await context.with(trace.setSpan(parent, span), next);
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      span.recordException(failure);
      span.setStatus({ code: SpanStatusCode.ERROR, message: failure.message });
      throw error;
    } finally {
      const responseTopic = ctx.responseTopic;
      if (responseTopic !== undefined) {
        // The reply is published just after the handler settles, outside this context: keep the span for it.
        const key = replyKey(responseTopic, ctx.correlationData);
        replies.set(key, span.spanContext());
        setImmediate(() => replies.delete(key));
      }
      span.end();
    }
  };

  const publish: PublishInterceptor = async (out, send) => {
    const properties = out.options.properties;
    const key = replyKey(out.topic, properties?.correlationData);
    const request = replies.get(key);
    if (request) replies.delete(key);
    const parent = request ? trace.setSpanContext(context.active(), request) : context.active();
    const links: Link[] = request
      ? [{ context: request, attributes: { 'messaging.operation.type': 'process' } }]
      : [];
    const span = tracerOf().startSpan(
      `send ${out.topic}`,
      {
        kind: SpanKind.PRODUCER,
        links,
        attributes: {
          'messaging.system': 'mqtt',
          'messaging.operation.type': 'send',
          'messaging.operation.name': 'publish',
          'messaging.destination.name': out.topic,
          'messaging.client.id': clientId,
          'messaging.message.body.size': bodySize(out.payload),
        },
      },
      parent,
    );
    const active = trace.setSpan(parent, span);
    let sent = out.options;
    if (out.protocolVersion === 5) {
      const carrier: Record<string, string> = {};
      propagation.inject(active, carrier);
      if (Object.keys(carrier).length > 0) {
        sent = {
          ...sent,
          properties: { ...properties, userProperties: { ...properties?.userProperties, ...carrier } },
        };
      }
    }
    try {
      const result = await context.with(active, () => send(sent));
      if (result.messageId !== undefined) span.setAttribute('messaging.message.id', String(result.messageId));
      return result;
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      span.recordException(failure);
      span.setStatus({ code: SpanStatusCode.ERROR, message: failure.message });
      throw error;
    } finally {
      span.end();
    }
  };

  return {
    middleware,
    publish,
    install: (app: MqttApp) => {
      clientId = app.connection.clientId;
      addObserver(app.dispatcher, replyArrivals);
    },
  };
}

function bodySize(payload: unknown): number {
  try {
    const { payload: bytes } = encodePayload(payload);
    return typeof bytes === 'string' ? Buffer.byteLength(bytes) : bytes.length;
  } catch {
    return 0;
  }
}
