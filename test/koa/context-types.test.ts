import 'reflect-metadata';
import assert from 'node:assert/strict';
import { it } from 'node:test';
import Router from '@koa/router';
import Koa, { type Context, type Next } from 'koa';
import { MqttService, silentLogger, useMqtt } from '../../src/index.js';

// Type-level checks: this file only compiles if `ctx.mqtt` is typed `MqttService` (not `any`,
// which Koa's DefaultContext index signature would give without the augmentation).

/** A plain Koa middleware. */
export async function publishFromMiddleware(ctx: Context, next: Next): Promise<void> {
  const service: MqttService = ctx.mqtt;
  await service.publish('a/b', { ok: true }, { qos: 1 });
  // @ts-expect-error publish needs a topic string
  await ctx.mqtt.publish(42);
  // @ts-expect-error there is no such method
  ctx.mqtt.emit('x');
  // @ts-expect-error QoS is 0, 1 or 2
  await ctx.mqtt.publish('a/b', 'x', { qos: 3 });
  const connected: boolean = ctx.mqtt.connected;
  ctx.body = { connected };
  await next();
}

/** A @koa/router handler: RouterContext is a ParameterizedContext over DefaultContext. */
export function routes(): Router {
  const router = new Router();
  router.get('/topics', (ctx) => {
    const filters: string[] = ctx.mqtt.topics.map((t) => t.filter);
    // @ts-expect-error topics are not strings
    const wrong: string[] = ctx.mqtt.topics;
    ctx.body = { filters, wrong };
  });
  return router;
}

it('useMqtt puts the MqttService on app.context, the prototype of every ctx', () => {
  const app = new Koa();
  const handle = useMqtt(app, { url: 'mqtt://127.0.0.1:1', logger: silentLogger });
  const ctx = app.createContext(
    {} as Parameters<Koa['createContext']>[0],
    {} as Parameters<Koa['createContext']>[1],
  );
  assert.ok(ctx.mqtt instanceof MqttService);
  assert.equal(ctx.mqtt, handle.service);
});
