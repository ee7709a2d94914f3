import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HandlerTally, histogramValues } from '../../src/metrics/tallies.js';

describe('handler tallies', () => {
  it('count observations into buckets (le inclusive) and render cumulative Prometheus lines', () => {
    const bounds = [0.001, 0.01, 0.1];
    const tally = new HandlerTally('Sensors.temperature', bounds);
    for (const seconds of [0.0005, 0.001, 0.005, 0.5, 2]) tally.observe(seconds);
    tally.fail('TypeError');
    tally.fail('TypeError');
    tally.fail('PayloadValidationError');
    assert.deepEqual([...tally.buckets], [2, 1, 0, 2]);
    assert.equal(tally.count, 5);
    assert.ok(Math.abs(tally.sum - 2.5065) < 1e-9);
    assert.deepEqual(Object.fromEntries(tally.failures), { TypeError: 2, PayloadValidationError: 1 });
    const lines = histogramValues('h', bounds, [tally]).map(
      (v) => `${v.metricName}{${Object.entries(v.labels).map(([k, x]) => `${k}=${x}`)}} ${v.value}`,
    );
    assert.deepEqual(lines, [
      'h_bucket{le=0.001,handler=Sensors.temperature} 2',
      'h_bucket{le=0.01,handler=Sensors.temperature} 3',
      'h_bucket{le=0.1,handler=Sensors.temperature} 3',
      'h_bucket{le=+Inf,handler=Sensors.temperature} 5',
      `h_sum{handler=Sensors.temperature} ${tally.sum}`,
      'h_count{handler=Sensors.temperature} 5',
    ]);
  });
});
