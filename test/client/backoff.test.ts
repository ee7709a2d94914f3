import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Backoff } from '../../src/client/backoff.js';

describe('Backoff', () => {
  it('doubles from the first delay up to the cap, with jitter between half and all of each step', () => {
    const low = new Backoff(100, 1000, () => 0);
    const high = new Backoff(100, 1000, () => 1);
    assert.deepEqual(
      Array.from({ length: 6 }, () => low.next()),
      [50, 100, 200, 400, 500, 500],
    );
    assert.deepEqual(
      Array.from({ length: 6 }, () => high.next()),
      [100, 200, 400, 800, 1000, 1000],
    );
  });

  it('starts over after reset (a successful connection)', () => {
    const backoff = new Backoff(100, 1000, () => 1);
    backoff.next();
    backoff.next();
    backoff.reset();
    assert.equal(backoff.next(), 100);
  });
});
