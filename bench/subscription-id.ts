/**
 * Experiment (not in the suite): what MQTT 5 subscription identifiers cost raw mqtt.js. Two raw
 * clients drain the same backlog at QoS 0, one subscribed with `subscriptionIdentifier: 1`, so
 * that every PUBLISH it receives carries a properties section for mqtt-packet to parse.
 *
 *   npm run build:test && node .build/bench/subscription-id.js
 */
import mqtt from 'mqtt';
import { startBenchMosquitto } from './lib/brokers.js';
import { drainBenchmark } from './lib/drain.js';
import { Publisher } from './lib/publisher-client.js';
import { sink } from './lib/sink.js';
import { type Candidate, rawCandidate } from './lib/subscribers.js';

const withId: Candidate = {
  name: 'raw-with-subscription-id',
  async open({ url, clientId, persistent }) {
    const client = mqtt.connect(url, {
      clientId,
      protocolVersion: 5,
      clean: !persistent,
      properties: persistent ? { sessionExpiryInterval: 3600 } : {},
      reconnectPeriod: 0,
    });
    client.on('message', (topic, payload) => {
      const body = JSON.parse(payload.toString()) as { t?: number };
      sink.hit(topic.split('/')[1], body.t);
    });
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    await client.subscribeAsync('sensors/+/temperature', {
      qos: 0,
      properties: { subscriptionIdentifier: 1 },
    });
    return { close: () => client.endAsync() };
  },
};

const broker = await startBenchMosquitto();
const publisher = await Publisher.start(broker.url);
const figures = await drainBenchmark({
  publisher,
  brokerPid: broker.pid,
  candidates: [rawCandidate('raw-mqttjs', 0), withId],
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
