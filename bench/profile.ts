/**
 * One end-to-end candidate draining a large backlog, for a CPU profile of the hot path:
 *
 *   npm run build:test
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof .build/bench/profile.js koa-mqtt-plain 0 200000
 *
 * The candidate runs in a process of its own, which gets this process's Node options: the
 * profile of interest is the candidate's (the newest file in the directory).
 *
 * Arguments: candidate (raw-mqttjs, koa-mqtt-plain, koa-mqtt-dto, koa-mqtt-plain-1000-handlers),
 * QoS (0 or 1), messages per round (3 rounds). Prints the rate of each round.
 */
import 'reflect-metadata';
import { startBenchMosquitto } from './lib/brokers.js';
import { type CandidateSpec, candidate } from './lib/candidates.js';
import { drainBenchmark } from './lib/drain.js';
import { Publisher } from './lib/publisher-client.js';

const [name = 'koa-mqtt-plain', qosArg = '0', countArg = '100000'] = process.argv.slice(2);
const qos = qosArg === '1' ? 1 : 0;
const all: Record<string, () => CandidateSpec> = {
  'raw-mqttjs': () => candidate('raw-mqttjs', 'raw', qos),
  'koa-mqtt-plain': () => candidate('koa-mqtt-plain', 'plain', qos),
  'koa-mqtt-dto': () => candidate('koa-mqtt-dto', 'dto', qos),
  'koa-mqtt-plain-1000-handlers': () => candidate('koa-mqtt-plain-1000-handlers', 'plain', qos, 999),
};
const make = all[name];
if (!make) throw new Error(`unknown candidate ${name}; one of ${Object.keys(all).join(', ')}`);

const broker = await startBenchMosquitto();
const publisher = await Publisher.start(broker.url);
const [figures] = await drainBenchmark({
  publisher,
  brokerPid: broker.pid,
  candidates: [make()],
  qos,
  count: Number(countArg),
  rounds: 3,
  session: 'profile',
  execArgv: process.execArgv,
});
console.log(
  JSON.stringify({ candidate: name, qos, rates: figures!.rates.map(Math.round), lost: figures!.lost }),
);
await publisher.close();
await broker.close();
