import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { channelAddress } from '../../src/asyncapi/index.js';

describe('channelAddress', () => {
  it('named levels become parameters of the same name', () => {
    const { address, parameters } = channelAddress('sensors/+deviceId/temperature');
    assert.equal(address, 'sensors/{deviceId}/temperature');
    assert.deepEqual(Object.keys(parameters), ['deviceId']);
    assert.equal(parameters.deviceId!['x-koa-mqtt-wildcard'], 'one-level');
  });

  it('#name is a multi-level parameter', () => {
    const { address, parameters } = channelAddress('logs/#rest');
    assert.equal(address, 'logs/{rest}');
    assert.equal(parameters.rest!['x-koa-mqtt-wildcard'], 'multi-level');
    assert.match(parameters.rest!.description!, /zero or more levels/);
  });

  it('unnamed wildcards get level numbers and "rest", never clashing with names in the code', () => {
    assert.equal(channelAddress('+/a/+/#').address, '{level1}/a/{level3}/{rest}');
    assert.equal(channelAddress('+level1/+/#').address, '{level1}/{level2}/{rest}');
    assert.equal(channelAddress('+/+rest/#').address, '{level1}/{rest}/{rest_2}');
    assert.equal(channelAddress('+level2/+').address, '{level2}/{level2_2}');
  });

  it('plain topics have no parameters', () => {
    assert.deepEqual(channelAddress('a/b'), { address: 'a/b', parameters: {} });
  });
});
