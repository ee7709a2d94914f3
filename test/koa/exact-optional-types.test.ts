import assert from 'node:assert/strict';
import { it } from 'node:test';
import { compileConsumer } from '../helpers/compile-consumer.js';

it('the published option types take an explicit undefined under exactOptionalPropertyTypes', () => {
  const { diagnostics } = compileConsumer('exact-optional.ts.txt', { exactOptionalPropertyTypes: true });
  assert.deepEqual(diagnostics, []);
});
