/**
 * Tracing across two app instances on a real Mosquitto (MQTT 5): an HTTP route inside a traced
 * request publishes; a controller of another app handles the message. One trace must result:
 * HTTP span → producer span → consumer span, with the messaging attributes; a throwing handler's
 * span has ERROR status and an exception event. Spans come from the SDK's in-memory exporter.
 */
import 'reflect-metadata';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, it } from 'node:test';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import Koa from 'koa';
import {
  createMqttApp,
  type MqttApp,
  MqttController,
  type MqttKoaHandle,
  OnMessage,
  Payload,
  silentLogger,
  Topic,
  TopicParam,
  useMqtt,
} from '../../../src/index.js';
import { otel } from '../../../src/otel/index.js';
import { type MosquittoBroker, startMosquitto } from '../../helpers/mosquitto.js';
import { describeMosquitto } from '../../helpers/mosquitto-available.js';

const exporter = new InMemorySpanExporter();
/** Resolves waiters when a span they want ends (an event, not polling). */
const waiting: Array<{ wants: (span: ReadableSpan) => boolean; resolve: (span: ReadableSpan) => void }> = [];
const notifier: SpanProcessor = {
  onStart: () => {},
  onEnd: (span) => {
    for (const waiter of [...waiting]) {
      if (!waiter.wants(span)) continue;
      waiting.splice(waiting.indexOf(waiter), 1);
      waiter.resolve(span);
    }
  },
  forceFlush: async () => {},
  shutdown: async () => {},
};
const spanEnded = (wants: string | ((span: ReadableSpan) => boolean)): Promise<ReadableSpan> =>
  new Promise((resolve) => {
    waiting.push({ wants: typeof wants === 'string' ? (span) => span.name === wants : wants, resolve });
  });

@MqttController('orders', { share: 'billing' })
class OrderController {
  @Topic('+id/placed', { qos: 1 })
  placed(@TopicParam('id') id: string, @Payload() body: { total: number }) {
    // A publish from inside the handler: a child of the consumer span.
    return { id, total: body.total };
  }

  @Topic('+id/fail', { qos: 1 })
  fail(@TopicParam('id') id: string): never {
    throw new Error(`cannot bill order ${id}`);
  }

  /** Messages of runtime subscriptions without a handler. */
  @OnMessage()
  unmatched(): void {}
}

describeMosquitto('OpenTelemetry tracing across app instances (Mosquitto, MQTT 5)', () => {
  let broker: MosquittoBroker;
  let consumer: MqttApp;
  let producer: MqttKoaHandle;
  let http: string;
  const tracer = () => trace.getTracer('test-http');

  before(async () => {
    const provider = new BasicTracerProvider({
      spanProcessors: [new SimpleSpanProcessor(exporter), notifier],
    });
    trace.setGlobalTracerProvider(provider);
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());

    broker = await startMosquitto();
    consumer = createMqttApp({
      url: broker.url,
      protocolVersion: 5,
      clientId: 'billing-1',
      controllers: [OrderController],
      logger: silentLogger,
      onError: () => {},
    }).use(otel());
    await consumer.start();

    const koa = new Koa();
    // What an HTTP instrumentation does: a SERVER span, active while the request is handled.
    koa.use(async (ctx, next) => {
      await tracer().startActiveSpan(`${ctx.method} ${ctx.path}`, { kind: SpanKind.SERVER }, async (span) => {
        try {
          await next();
        } finally {
          span.end();
        }
      });
    });
    koa.use(async (ctx) => {
      const [, id, kind] = ctx.path.split('/');
      await ctx.mqtt.publish(`orders/${id}/${kind}`, { total: 12.5 }, { qos: 1 });
      ctx.status = 202;
    });
    producer = useMqtt(koa, {
      url: broker.url,
      protocolVersion: 5,
      clientId: 'shop-1',
      logger: silentLogger,
    });
    producer.use(otel());
    const server = await producer.listen(0, '127.0.0.1');
    http = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    await producer?.stop();
    await consumer?.stop();
    await broker?.close();
    trace.disable();
    context.disable();
    propagation.disable();
  });

  it('an HTTP request, its publish and the handling in another app form one trace', async () => {
    exporter.reset();
    const consumed = spanEnded('process orders/+/placed');
    const response = await fetch(`${http}/7/placed`, { method: 'POST' });
    assert.equal(response.status, 202);
    const consumerSpan = await consumed;
    const spans = exporter.getFinishedSpans();
    const httpSpan = spans.find((s) => s.name === 'POST /7/placed');
    const producerSpan = spans.find((s) => s.name === 'send orders/7/placed');
    assert.ok(httpSpan, `no HTTP span among ${spans.map((s) => s.name).join(', ')}`);
    assert.ok(producerSpan, 'no producer span');

    const traceId = httpSpan.spanContext().traceId;
    assert.equal(producerSpan.spanContext().traceId, traceId);
    assert.equal(consumerSpan.spanContext().traceId, traceId, 'the consumer continues the trace');
    assert.equal(producerSpan.parentSpanContext?.spanId, httpSpan.spanContext().spanId);
    assert.equal(consumerSpan.parentSpanContext?.spanId, producerSpan.spanContext().spanId);
    assert.equal(consumerSpan.parentSpanContext?.isRemote, true);

    assert.equal(producerSpan.kind, SpanKind.PRODUCER);
    assert.deepEqual(
      {
        system: producerSpan.attributes['messaging.system'],
        destination: producerSpan.attributes['messaging.destination.name'],
        client: producerSpan.attributes['messaging.client.id'],
        size: producerSpan.attributes['messaging.message.body.size'],
      },
      { system: 'mqtt', destination: 'orders/7/placed', client: 'shop-1', size: '{"total":12.5}'.length },
    );
    assert.equal(consumerSpan.kind, SpanKind.CONSUMER);
    assert.equal(consumerSpan.status.code, SpanStatusCode.UNSET);
    assert.deepEqual(
      {
        system: consumerSpan.attributes['messaging.system'],
        destination: consumerSpan.attributes['messaging.destination.name'],
        template: consumerSpan.attributes['messaging.destination.template'],
        group: consumerSpan.attributes['messaging.consumer.group.name'],
        size: consumerSpan.attributes['messaging.message.body.size'],
        client: consumerSpan.attributes['messaging.client.id'],
        operation: consumerSpan.attributes['messaging.operation.type'],
        handler: consumerSpan.attributes['code.function.name'],
      },
      {
        system: 'mqtt',
        destination: 'orders/7/placed',
        template: 'orders/+/placed',
        group: 'billing',
        size: '{"total":12.5}'.length,
        client: 'billing-1',
        operation: 'process',
        handler: 'OrderController.placed',
      },
    );
  });

  it('a message only the @OnMessage fallback handles gets a consumer span in the same trace', async () => {
    await consumer.service.subscribe('orders/+/refunded', undefined, { qos: 1 });
    exporter.reset();
    const consumed = spanEnded('process orders/9/refunded');
    const response = await fetch(`${http}/9/refunded`, { method: 'POST' });
    assert.equal(response.status, 202);
    const span = await consumed;
    const producerSpan = exporter.getFinishedSpans().find((s) => s.name === 'send orders/9/refunded');
    assert.ok(producerSpan, 'no producer span');
    assert.equal(span.kind, SpanKind.CONSUMER);
    assert.equal(span.spanContext().traceId, producerSpan.spanContext().traceId);
    assert.equal(span.parentSpanContext?.spanId, producerSpan.spanContext().spanId);
    assert.equal(span.attributes['code.function.name'], 'OnMessage');
    assert.equal(span.attributes['messaging.destination.template'], 'orders/9/refunded');
  });

  it("a throwing handler's span has ERROR status and an exception event", async () => {
    exporter.reset();
    const consumed = spanEnded('process orders/+/fail');
    const response = await fetch(`${http}/8/fail`, { method: 'POST' });
    assert.equal(response.status, 202);
    const span = await consumed;
    assert.equal(span.status.code, SpanStatusCode.ERROR);
    assert.equal(span.status.message, 'cannot bill order 8');
    const exception = span.events.find((e) => e.name === 'exception');
    assert.ok(exception, 'no exception event');
    assert.equal(exception.attributes?.['exception.message'], 'cannot bill order 8');
    const producerSpan = exporter.getFinishedSpans().find((s) => s.name === 'send orders/8/fail');
    assert.equal(span.spanContext().traceId, producerSpan?.spanContext().traceId);
  });

  it('request/response: the reply is sent in the request trace, linked to the handling span', async () => {
    @MqttController('rpc')
    class Doubler {
      @Topic('double', { qos: 1 })
      double(@Payload() n: number) {
        return n * 2;
      }
    }
    const responder = createMqttApp({
      url: broker.url,
      protocolVersion: 5,
      controllers: [Doubler],
      logger: silentLogger,
    }).use(otel());
    await responder.start();
    try {
      exporter.reset();
      const handled = spanEnded('process rpc/double');
      const replied = spanEnded(
        (s) => s.kind === SpanKind.PRODUCER && s.attributes['messaging.destination.name'] !== 'rpc/double',
      );
      const arrived = spanEnded(
        (s) =>
          s.kind === SpanKind.CONSUMER &&
          String(s.attributes['messaging.destination.name']).startsWith('koa-mqtt/replies/'),
      );
      const reply = await tracer().startActiveSpan('caller', async (span) => {
        try {
          return await producer.service.request('rpc/double', 21, { timeout: 5000 });
        } finally {
          span.end();
        }
      });
      assert.equal(reply.text(), '42');
      const handling = await handled;
      const replySpan = await replied;
      const caller = exporter.getFinishedSpans().find((s) => s.name === 'caller')!;
      assert.equal(handling.spanContext().traceId, caller.spanContext().traceId);
      assert.equal(
        replySpan.spanContext().traceId,
        caller.spanContext().traceId,
        'the reply is in the request trace',
      );
      assert.equal(replySpan.parentSpanContext?.spanId, handling.spanContext().spanId);
      assert.deepEqual(
        replySpan.links.map((l) => l.context.spanId),
        [handling.spanContext().spanId],
      );
      // The reply's arrival at the caller: a consumer span in the same trace, under the reply's producer span.
      const arrival = await arrived;
      assert.equal(arrival.spanContext().traceId, caller.spanContext().traceId);
      assert.equal(arrival.parentSpanContext?.spanId, replySpan.spanContext().spanId);
      assert.equal(arrival.attributes['code.function.name'], 'MqttService.request');
      assert.equal(arrival.attributes['messaging.client.id'], 'shop-1');
    } finally {
      await responder.stop();
    }
  });
});
