/**
 * Not in the suite: one hot-path candidate (no network, see hot-path.ts) in a loop, to run
 * under `node --cpu-prof`: `node --cpu-prof .build/bench/profile-hot-path.js koa-mqtt-plain`.
 */

import { type Deliver, dispatcherFor, packets, raw, time } from './hot-path.js';
import { dtoController, plainController } from './lib/controllers.js';

const [name = 'koa-mqtt-plain', secondsArg = '5'] = process.argv.slice(2);
const all: Record<string, () => Deliver> = {
  'raw-mqttjs': () => raw,
  'koa-mqtt-plain': () => dispatcherFor([plainController(0)]),
  'koa-mqtt-dto': () => dispatcherFor([dtoController(0)]),
};
const make = all[name];
if (!make) throw new Error(`unknown candidate ${name}; one of ${Object.keys(all).join(', ')}`);
const deliver = make();
const batch = packets(1000);
const until = performance.now() + Number(secondsArg) * 1000;
const samples: number[] = [];
while (performance.now() < until) samples.push(time(deliver, batch, 20));
samples.sort((a, b) => a - b);
console.log(
  `${name}: ${samples[samples.length >> 1]!.toFixed(0)} ns per message (median of ${samples.length})`,
);
