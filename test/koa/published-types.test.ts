import assert from 'node:assert/strict';
import { it } from 'node:test';
import { compileConsumer } from '../helpers/compile-consumer.js';

it('the published types give ctx.mqtt as MqttService to a user importing koa-mqtt', () => {
  const { diagnostics, files } = compileConsumer('published-types.ts.txt');
  assert.deepEqual(diagnostics, []);
  assert.ok(
    files.some((name) => name.endsWith('/dist/koa/context.d.ts')),
    'the augmentation came from dist/',
  );
});
