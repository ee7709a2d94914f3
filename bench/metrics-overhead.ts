/**
 * Metrics overhead: messages per second through the dispatcher (routing, parameter extraction,
 * one sync handler, ack callback) with no observer, and with `mqttMetrics` counting every
 * message and timing every handler. No broker: packets are handed to `onPacket` directly, so
 * the figure is the library's own cost. The two are timed alternately, several rounds each,
 * and the median is kept. Prints one JSON line.
 *
 *   npm run build:test && node .build/bench/metrics-overhead.js [--quick]
 */
import 'reflect-metadata';
import type { IPublishPacket } from 'mqtt';
import { Registry } from 'prom-client';
import { createMqttApp, MqttController, silentLogger, Topic, TopicParam } from '../src/index.js';
import { mqttMetrics } from '../src/metrics/index.js';

let sink = 0;

@MqttController('sensors')
class Sensors {
  @Topic('+id/temperature', { qos: 1 })
  temperature(@TopicParam('id') id: string) {
    sink += id.length;
  }
}

const quick = process.argv.includes('--quick');
const MESSAGES = quick ? 20_000 : 200_000;
const ROUNDS = quick ? 3 : 7;

const packets: IPublishPacket[] = Array.from({ length: 1024 }, (_, i) => ({
  cmd: 'publish',
  topic: `sensors/d${i}/temperature`,
  payload: Buffer.from('21.5'),
  qos: 1,
  dup: false,
  retain: false,
  messageId: (i % 65_535) + 1,
}));

/** An app whose routes are mounted without a broker (start() would connect). */
function mountedApp() {
  const app = createMqttApp({ controllers: [Sensors], logger: silentLogger });
  (app as unknown as { mountControllers(): unknown }).mountControllers();
  return app;
}

function rate(app: ReturnType<typeof mountedApp>): number {
  const done = () => {};
  const start = process.hrtime.bigint();
  for (let i = 0; i < MESSAGES; i++) app.dispatcher.onPacket(packets[i & 1023]!, done);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return MESSAGES / seconds;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const plain = mountedApp();
const observed = mountedApp();
await mqttMetrics(observed, { registry: new Registry() });
rate(plain);
rate(observed); // warm-up
const plainRates: number[] = [];
const observedRates: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  plainRates.push(rate(plain));
  observedRates.push(rate(observed));
}
const withoutMetrics = Math.round(median(plainRates));
const withMetrics = Math.round(median(observedRates));
console.log(
  JSON.stringify({
    bench: 'metrics-overhead',
    messages: MESSAGES,
    rounds: ROUNDS,
    withoutMetricsPerSec: withoutMetrics,
    withMetricsPerSec: withMetrics,
    ratio: Number((withMetrics / withoutMetrics).toFixed(3)),
    sink: sink > 0,
  }),
);
