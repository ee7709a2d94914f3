/**
 * Not in the suite: the QoS 1 drain candidates against raw mqtt.js, for a quick A/B of an
 * optimisation (`node .build/bench/quick-qos1.js [rounds] [count] [qos] [processes]`). Same method as e2e.ts.
 */
import 'reflect-metadata';
import { startBenchMosquitto } from './lib/brokers.js';
import { candidate } from './lib/candidates.js';
import { drainBenchmark } from './lib/drain.js';
import { Publisher } from './lib/publisher-client.js';

const [roundsArg = '7', countArg = '5000', qosArg = '1', processesArg = '3'] = process.argv.slice(2);
const qos = qosArg === '0' ? 0 : 1;
const broker = await startBenchMosquitto();
const publisher = await Publisher.start(broker.url);
const figures = await drainBenchmark({
  publisher,
  brokerPid: broker.pid,
  candidates: [
    candidate('raw-mqttjs', 'raw', qos),
    candidate('koa-mqtt-plain', 'plain', qos),
    candidate('koa-mqtt-dto', 'dto', qos),
    candidate('koa-mqtt-plain-1000-handlers', 'plain', qos, 999),
  ],
  qos,
  count: Number(countArg),
  processes: Number(processesArg),
  rounds: Number(roundsArg),
  session: 'quick-qos1',
});
for (const f of figures) {
  const spread = `${Math.min(...f.cpuRatios).toFixed(2)}–${Math.max(...f.cpuRatios).toFixed(2)}`;
  console.log(
    `${f.name.padEnd(30)} cpuRatio ${f.medianCpuRatio.toFixed(3)} (${spread})  wall ${f.medianRatio.toFixed(3)}  cpuRate ${Math.round(f.medianCpuRate)}  lost ${f.lost}`,
  );
}
await publisher.close();
await broker.close();
