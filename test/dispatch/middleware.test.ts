import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Container, Service } from 'typedi';
import {
  Ctx,
  MqttContext,
  MqttController,
  MqttDefinitionError,
  type MqttMiddleware,
  MqttMiddlewareError,
  type Next,
  OnMessage,
  Payload,
  Topic,
  TopicParam,
  UseMiddleware,
} from '../../src/index.js';
import { createTestApp } from '../../src/testing/index.js';

/** Middleware that logs its name on the way in and out. */
const trace =
  (log: string[], name: string): MqttMiddleware =>
  async (_ctx, next) => {
    log.push(`${name}>`);
    await next();
    log.push(`<${name}`);
  };

describe('middleware', () => {
  it('runs app, controller, method middleware, then the handler, and unwinds in reverse', async () => {
    const log: string[] = [];
    @MqttController('orders')
    @UseMiddleware(trace(log, 'controller1'), trace(log, 'controller2'))
    class OrderController {
      @Topic('+id')
      @UseMiddleware(trace(log, 'method'))
      placed(@TopicParam('id') id: string) {
        log.push(`handler ${id}`);
        return id;
      }
    }
    const t = await createTestApp({ controllers: [OrderController], middleware: [trace(log, 'option')] });
    try {
      const outcome = await t.publish('orders/7', 'x');
      assert.deepEqual(outcome.handlers, ['OrderController.placed']);
      assert.equal(outcome.runs[0]!.value, '7', 'the handler value comes through the chain');
      assert.deepEqual(log, [
        'option>',
        'controller1>',
        'controller2>',
        'method>',
        'handler 7',
        '<method',
        '<controller2',
        '<controller1',
        '<option',
      ]);
    } finally {
      await t.stop();
    }
  });

  it('stacked @UseMiddleware decorators run top to bottom', async () => {
    const log: string[] = [];
    @MqttController()
    @UseMiddleware(trace(log, 'top'))
    @UseMiddleware(trace(log, 'bottom'))
    class Stacked {
      @Topic('a')
      @UseMiddleware(trace(log, 'm-top'))
      @UseMiddleware(trace(log, 'm-bottom'))
      a() {
        log.push('handler');
      }
    }
    const t = await createTestApp({ controllers: [Stacked] });
    try {
      await t.publish('a');
      assert.deepEqual(log, [
        'top>',
        'bottom>',
        'm-top>',
        'm-bottom>',
        'handler',
        '<m-bottom',
        '<m-top',
        '<bottom',
        '<top',
      ]);
    } finally {
      await t.stop();
    }
  });

  for (const level of ['app', 'controller', 'method'] as const) {
    it(`a ${level} middleware that does not call next() ends the chain: the handler does not run`, async () => {
      const log: string[] = [];
      const stop: MqttMiddleware = (ctx) => {
        log.push(`stopped ${ctx.topic}`);
      };
      const at = (where: typeof level) => (where === level ? [stop] : [trace(log, where)]);
      @MqttController()
      @UseMiddleware(...at('controller'))
      class Guarded {
        @Topic('guarded/+', { qos: 1 })
        @UseMiddleware(...at('method'))
        handle() {
          log.push('handler');
        }
      }
      const t = await createTestApp({ controllers: [Guarded], middleware: at('app') });
      try {
        const outcome = await t.publish('guarded/1', '{}', { qos: 1 });
        assert.equal(outcome.runs.length, 1);
        assert.equal(outcome.runs[0]!.ok, true);
        assert.equal(outcome.runs[0]!.value, undefined);
        assert.ok(!log.includes('handler'), `handler ran: ${log.join(', ')}`);
        assert.ok(log.includes('stopped guarded/1'));
        const before = { app: [], controller: ['app>'], method: ['app>', 'controller>'] }[level];
        assert.deepEqual(log, [
          ...before,
          'stopped guarded/1',
          ...before.map((e) => `<${e.slice(0, -1)}`).reverse(),
        ]);
        assert.deepEqual(
          outcome.acks.map((a) => a.reasonCode),
          [0],
        );
      } finally {
        await t.stop();
      }
    });
  }

  it('ctx.state carries data from middleware to the handler (@Ctx()) and back', async () => {
    const seen: unknown[] = [];
    const auth: MqttMiddleware = async (ctx, next) => {
      ctx.state.tenant = ctx.params.tenant?.toUpperCase();
      await next();
      seen.push(ctx.state.result);
    };
    @MqttController('t')
    @UseMiddleware(auth)
    class TenantController {
      @Topic('+tenant/readings')
      reading(@Ctx() ctx: MqttContext, @Payload() body: { v: number }) {
        ctx.state.result = `${String(ctx.state.tenant)}:${body.v}`;
        return ctx.state.tenant;
      }
    }
    const t = await createTestApp({ controllers: [TenantController] });
    try {
      const outcome = await t.publish('t/acme/readings', { v: 3 });
      assert.equal(outcome.runs[0]!.value, 'ACME');
      assert.deepEqual(seen, ['ACME:3']);
    } finally {
      await t.stop();
    }
  });

  it('an error thrown in middleware reaches onError with the context the chain ran with', async () => {
    const errors: Array<{ error: Error; ctx: MqttContext | undefined }> = [];
    const deny: MqttMiddleware = (ctx) => {
      ctx.state.denied = true;
      throw new Error(`not allowed: ${ctx.topic}`);
    };
    let handled = 0;
    @MqttController()
    class Secured {
      @Topic('secure/+', { qos: 1, ack: 'after-handler' })
      @UseMiddleware(deny)
      handle() {
        handled++;
      }
    }
    const t = await createTestApp({
      controllers: [Secured],
      onError: (error, ctx) => {
        errors.push({ error, ctx });
      },
    });
    try {
      const outcome = await t.publish('secure/x', 'p', { qos: 1 });
      assert.equal(handled, 0);
      assert.equal(outcome.runs[0]!.ok, false);
      assert.equal(outcome.errors[0]!.message, 'not allowed: secure/x');
      assert.equal(errors.length, 1);
      assert.equal(errors[0]!.error, outcome.errors[0]);
      assert.ok(errors[0]!.ctx instanceof MqttContext);
      assert.equal(errors[0]!.ctx!.state.denied, true, 'onError gets the context the middleware saw');
      assert.equal(errors[0]!.ctx!.handler, 'Secured.handle');
      assert.deepEqual(
        outcome.acks.map((a) => a.reasonCode),
        [0x80],
        'a failed chain fails the after-handler ack',
      );
    } finally {
      await t.stop();
    }
  });

  it('a handler error propagates out through the middleware that await next()', async () => {
    const caught: string[] = [];
    const errors: Error[] = [];
    const recover: MqttMiddleware = async (_ctx, next) => {
      try {
        await next();
      } catch (error) {
        caught.push((error as Error).message);
        throw error;
      }
    };
    @MqttController()
    class Failing {
      @Topic('fail')
      @UseMiddleware(recover)
      fail(): never {
        throw new Error('handler broke');
      }
    }
    const t = await createTestApp({ controllers: [Failing], onError: (error) => void errors.push(error) });
    try {
      const outcome = await t.publish('fail');
      assert.deepEqual(caught, ['handler broke']);
      assert.equal(outcome.errors[0]!.message, 'handler broke');
      assert.deepEqual(
        errors.map((e) => e.message),
        ['handler broke'],
      );
    } finally {
      await t.stop();
    }
  });

  it('calling next() twice is an MqttMiddlewareError', async () => {
    let runs = 0;
    const twice: MqttMiddleware = async (_ctx, next) => {
      await next();
      await next();
    };
    const t = await createTestApp({ middleware: [twice] });
    try {
      await t.service.subscribe('twice', () => {
        runs++;
      });
      const outcome = await t.publish('twice');
      assert.equal(runs, 1, 'the handler ran once');
      assert.ok(outcome.errors[0] instanceof MqttMiddlewareError, String(outcome.errors[0]));
      assert.match(outcome.errors[0]!.message, /next\(\) called more than once/);
    } finally {
      await t.stop();
    }
  });

  it('resolves middleware classes from the container, one instance per app', async () => {
    @Service()
    class Audit {
      readonly entries: string[] = [];
    }
    @Service()
    class AuditMiddleware {
      constructor(readonly audit: Audit) {}
      async use(ctx: MqttContext, next: Next) {
        this.audit.entries.push(`${ctx.handler} ${ctx.topic}`);
        await next();
      }
    }
    @Service()
    @MqttController('audit')
    @UseMiddleware(AuditMiddleware)
    class Audited {
      @Topic('a')
      a() {}
      @Topic('b')
      @UseMiddleware(AuditMiddleware)
      b() {}
    }
    const t = await createTestApp({ controllers: [Audited], container: Container });
    try {
      await t.publish('audit/a');
      await t.publish('audit/b');
      assert.deepEqual(Container.get(Audit).entries, [
        'Audited.a audit/a',
        'Audited.b audit/b',
        'Audited.b audit/b',
      ]);
    } finally {
      await t.stop();
      Container.reset();
    }
  });

  it('without a container, middleware classes are created with new', async () => {
    const log: string[] = [];
    class Plain {
      use(ctx: MqttContext, next: Next) {
        log.push(ctx.topic);
        return next();
      }
    }
    const t = await createTestApp({ middleware: [Plain] });
    try {
      await t.service.subscribe('plain/+', () => log.push('handler'));
      await t.publish('plain/1');
      assert.deepEqual(log, ['plain/1', 'handler']);
    } finally {
      await t.stop();
    }
  });

  it('runtime subscriptions and onTopic run the app middleware, then their own', async () => {
    const log: string[] = [];
    const t = await createTestApp({ middleware: [trace(log, 'app')] });
    try {
      await t.service.subscribe('rt/+id', (ctx) => log.push(`sub ${ctx.params.id}`), {
        middleware: [trace(log, 'own')],
      });
      t.service.onTopic('rt/#', () => log.push('onTopic'), { middleware: [trace(log, 'topic')] });
      await t.publish('rt/9');
      // The two handlers run concurrently: each one's chain is in order.
      const chain = (own: string, handler: string) =>
        log.filter((e) => ['app>', '<app', `${own}>`, `<${own}`, handler].includes(e));
      assert.deepEqual(
        chain('own', 'sub 9').filter((e) => e !== 'app>' && e !== '<app'),
        ['own>', 'sub 9', '<own'],
      );
      assert.deepEqual(
        chain('topic', 'onTopic').filter((e) => e !== 'app>' && e !== '<app'),
        ['topic>', 'onTopic', '<topic'],
      );
      assert.equal(log.filter((e) => e === 'app>').length, 2);
      assert.equal(log.filter((e) => e === '<app').length, 2);
      assert.equal(log[0], 'app>', 'the app middleware runs first');
      assert.equal(log.at(-1), '<app', 'and last');
    } finally {
      await t.stop();
    }
  });

  it('the @OnMessage fallback runs inside the app-wide middleware only, once per message; { all: true } hooks outside it', async () => {
    const log: string[] = [];
    const errors: string[] = [];
    @MqttController('fb')
    @UseMiddleware(trace(log, 'controller'))
    class WithFallback {
      @Topic('handled')
      handled() {
        log.push('handler');
      }
      @OnMessage()
      fallback(ctx: MqttContext) {
        log.push(`fallback ${ctx.topic} ${String(ctx.state.seenBy)} ${ctx.route === undefined}`);
      }
      @OnMessage({ all: true })
      all(ctx: MqttContext) {
        log.push(`all ${ctx.topic}`);
      }
    }
    const app: MqttMiddleware = async (ctx, next) => {
      if (ctx.topic === 'fb/refused') throw new Error('refused by middleware');
      log.push(`app> ${ctx.handler}`);
      ctx.state.seenBy = 'app';
      await next();
      log.push('<app');
    };
    const t = await createTestApp({
      controllers: [WithFallback],
      middleware: [app],
      onError: (error) => {
        errors.push(error.message);
      },
    });
    try {
      // Brings fb/nobody and fb/refused, which no handler takes.
      await t.service.subscribe('fb/+');
      await t.publish('fb/nobody', 'x');
      // Jobs start in order: the fallback's (its chain runs to the hook at once), then { all: true }'s.
      assert.deepEqual(log, ['app> OnMessage', 'fallback fb/nobody app true', 'all fb/nobody', '<app']);
      log.length = 0;
      await t.publish('fb/handled', 'x');
      // The handler's chain (no fallback), and the { all: true } hook once, outside it.
      assert.deepEqual(
        log.filter((line) => !line.startsWith('all')),
        ['app> WithFallback.handled', 'controller>', 'handler', '<controller', '<app'],
      );
      assert.deepEqual(
        log.filter((line) => line.startsWith('all')),
        ['all fb/handled'],
      );
      log.length = 0;
      await t.publish('fb/refused', 'x');
      assert.deepEqual(log, ['all fb/refused'], 'the fallback did not run');
      assert.deepEqual(errors, ['refused by middleware']);
    } finally {
      await t.stop();
    }
  });

  it('use() after start() is refused with a clear error', async () => {
    const t = await createTestApp({});
    try {
      assert.throws(
        () => t.app.use(async (_ctx, next) => next()),
        (error: Error) => {
          assert.ok(error instanceof MqttMiddlewareError);
          assert.match(error.message, /before start\(\)/);
          return true;
        },
      );
    } finally {
      await t.stop();
    }
  });

  it('rejects middleware that is not a function or class, naming where it was given', async () => {
    @MqttController()
    class Bad {
      @Topic('bad')
      @UseMiddleware('oops' as unknown as MqttMiddleware)
      bad() {}
    }
    await assert.rejects(createTestApp({ controllers: [Bad] }), (error: Error) => {
      assert.ok(error instanceof MqttMiddlewareError);
      assert.match(error.message, /@UseMiddleware on Bad\.bad: middleware 0 must be a function/);
      return true;
    });
  });

  it('@UseMiddleware on a method without @Topic is a definition error', async () => {
    @MqttController()
    class Stray {
      @Topic('ok')
      ok() {}
      @UseMiddleware(async (_ctx, next) => next())
      helper() {}
    }
    await assert.rejects(createTestApp({ controllers: [Stray] }), (error: Error) => {
      assert.ok(error instanceof MqttDefinitionError);
      assert.match(error.message, /Stray\.helper has @UseMiddleware but no @Topic/);
      return true;
    });
  });

  it('a method with several matching @Topic routes and middleware still runs once per copy (MQTT 3.1.1)', async () => {
    let calls = 0;
    @MqttController()
    @UseMiddleware(async (_ctx, next) => next())
    class Twice {
      @Topic('x/+')
      @Topic('x/#')
      handle() {
        calls++;
      }
    }
    // On MQTT 5 the broker sends one copy per subscription and each copy runs its own route.
    const t = await createTestApp({ controllers: [Twice], protocolVersion: 4 });
    try {
      const outcome = await t.publish('x/1');
      assert.equal(calls, 1);
      assert.equal(outcome.runs.length, 1);
    } finally {
      await t.stop();
    }
  });

  it('routes without middleware run the plain compiled handler (no wrapper)', async () => {
    @MqttController()
    class Bare {
      @Topic('bare')
      bare() {}
    }
    @MqttController()
    @UseMiddleware(async (_ctx, next) => next())
    class Wrapped {
      @Topic('wrapped')
      wrapped() {}
    }
    const t = await createTestApp({ controllers: [Bare, Wrapped] });
    try {
      const handlers = t.app.router as unknown as {
        trie: { matchLevels(levels: string[], out: unknown[]): Array<{ handler: { of?: unknown } }> };
      };
      const bare = handlers.trie.matchLevels(['bare'], []);
      const wrapped = handlers.trie.matchLevels(['wrapped'], []);
      assert.equal(bare[0]!.handler.of, undefined);
      assert.notEqual(wrapped[0]!.handler.of, undefined);
    } finally {
      await t.stop();
    }
  });
});
