import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { flatString } from '../../src/metadata/flat-string.js';

describe('flatString', () => {
  it('returns an equal string for any text, lone surrogates and control characters included', () => {
    const prefix = 'Sensor';
    for (const text of [
      `${prefix}Controller.onTemperature`,
      '',
      'a/+/#',
      'ünïcødé/温度/🌡️',
      '\ud800 lone high, \udfff lone low',
      '"quotes" \\ back\nslash\u0000nul',
    ]) {
      assert.equal(flatString(text), text);
    }
  });
});
