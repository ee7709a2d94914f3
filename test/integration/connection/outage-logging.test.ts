import 'reflect-metadata';
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createMqttApp, type MqttLogger, silentLogger } from '../../../src/index.js';
import { startEmbeddedBroker } from '../../../src/testing/index.js';
import { Recorder } from '../../helpers/recorder.js';
import { onceEvent } from '../../helpers/wait.js';

it('logs one error per broker outage, however many reconnect attempts fail', async (t) => {
  let broker = await startEmbeddedBroker();
  const port = broker.port;
  const errors = new Recorder<string>();
  const debugs = new Recorder<string>();
  const logger: MqttLogger = {
    ...silentLogger,
    error: (_obj, msg) => errors.record(msg ?? ''),
    debug: (_obj, msg) => debugs.record(msg ?? ''),
  };
  const app = createMqttApp({ url: broker.url, logger, reconnectPeriod: 20, reconnectMaxPeriod: 40 });
  t.after(async () => {
    await app.stop();
    await broker.close();
  });
  await app.start();

  for (let outage = 1; outage <= 2; outage++) {
    const down = onceEvent(app.connection, 'disconnect', 5000, { rejectOnError: false });
    await broker.close();
    await down;
    // Several attempts fail while nothing listens on the port.
    await debugs.waitFor(3 * outage, 5000);
    const back = onceEvent(app.connection, 'connect', 5000, { rejectOnError: false });
    broker = await startEmbeddedBroker({ port });
    await back;
    assert.deepEqual(
      errors.calls.filter((m) => m.startsWith('MQTT connection error')),
      Array(outage).fill('MQTT connection error; reconnecting'),
    );
  }
});
