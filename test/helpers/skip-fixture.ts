// Run by mosquitto-available.test.ts under `node --test` with MOSQUITTO_BIN pointing nowhere.
import { it } from 'node:test';
import { describeMosquitto } from './mosquitto-available.js';

describeMosquitto('needs mosquitto', () => {
  it('would start a broker', () => {});
});
