/**
 * Experiment (not in the suite): what MQTT 5 subscription identifiers cost raw mqtt.js. Two raw
 * clients drain the same backlog at QoS 0, one subscribed with `subscriptionIdentifier: 1`, so
 * that every PUBLISH it receives carries a properties section for mqtt-packet to parse.
 *
 *   npm run build:test && node .build/bench/subscription-id.js
 */
import { startBenchMosquitto } from './lib/brokers.js';
import { candidate } from './lib/candidates.js';
import { drainBenchmark } from './lib/drain.js';
import { Publisher } from './lib/publisher-client.js';

const broker = await startBenchMosquitto();
const publisher = await Publisher.start(broker.url);
const figures = await drainBenchmark({
  publisher,
  brokerPid: broker.pid,
  candidates: [candidate('raw-mqttjs', 'raw', 0), candidate('raw-with-subscription-id', 'raw', 0, 1)],
  qos: 0,
  count: 20_000,
  rounds: 9,
  session: 'subscription-id',
});
for (const f of figures) {
  console.log(
    JSON.stringify({
      candidate: f.name,
      msgPerSec: Math.round(f.medianRate),
      ratioToRaw: Number(f.medianRatio.toFixed(3)),
      msgPerCpuSec: Math.round(f.medianCpuRate),
      cpuRatioToRaw: Number(f.medianCpuRatio.toFixed(3)),
    }),
  );
}
await publisher.close();
await broker.close();
