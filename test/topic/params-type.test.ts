/**
 * Topic parameters typed from the pattern string. The type-level checks are compiled with the
 * tests (`npm run build:test` fails if a positive check breaks, or if a `@ts-expect-error` line
 * stops being an error); the runtime part shows the typed values are the ones handlers get.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { MqttContext, TopicParamNames, TopicParamsOf } from '../../src/index.js';
import { createTestApp } from '../../src/testing/index.js';

/** True only when A and B are the same type (not merely assignable). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const check = <T extends true>(): T => true as T;

// Names from `+name` and `#name` levels; bare wildcards and plain levels carry none.
check<Equal<TopicParamNames<'devices/+id/status/#rest'>, 'id' | 'rest'>>();
check<Equal<TopicParamNames<'devices/+/status/#'>, never>>();
check<Equal<TopicParamNames<'$share/workers/jobs/+kind'>, 'kind'>>();
check<Equal<TopicParamsOf<'devices/+id/status/#rest'>, { readonly id: string; readonly rest: string }>>();
check<Equal<TopicParamsOf<'plain/topic'>, {}>>();
// A pattern only known as `string` gives the untyped record.
check<Equal<TopicParamsOf<string>, Readonly<Record<string, string>>>>();
// @ts-expect-error a name the pattern does not have
check<Equal<TopicParamNames<'a/+x'>, 'y'>>();

it('service.subscribe and onTopic type ctx.params from the pattern, and those are the runtime values', async () => {
  const t = await createTestApp({});
  try {
    const seen: Array<{ id: string; rest: string }> = [];
    await t.service.subscribe('devices/+id/status/#rest', (ctx) => {
      check<Equal<typeof ctx.params, { readonly id: string; readonly rest: string }>>();
      // @ts-expect-error not a parameter of this pattern
      void ctx.params.deviceId;
      seen.push({ id: ctx.params.id, rest: ctx.params.rest });
    });
    t.service.onTopic('devices/+device/#', (ctx: MqttContext<TopicParamsOf<'devices/+device/#'>>) => {
      const device: string = ctx.params.device;
      // @ts-expect-error `#` without a name carries no parameter
      void ctx.params.rest;
      return device;
    });
    const filter: string = 'dynamic/+name';
    await t.service.subscribe(filter, (ctx) => {
      check<Equal<typeof ctx.params, Readonly<Record<string, string>>>>();
      return ctx.params.name;
    });
    const outcome = await t.publish('devices/d1/status/battery/low');
    assert.deepEqual(seen, [{ id: 'd1', rest: 'battery/low' }]);
    assert.ok(outcome.runs.some((r) => r.value === 'd1'));
    assert.equal((await t.publish('dynamic/x')).runs[0]?.value, 'x');
  } finally {
    await t.stop();
  }
});
