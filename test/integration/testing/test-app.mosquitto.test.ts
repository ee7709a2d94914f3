import { after, before, describe } from 'node:test';
import { brokerTestApps, type TestAppFactory } from '../../../src/testing/index.js';
import { type MosquittoBroker, startMosquitto } from '../../helpers/mosquitto.js';
import { describeMosquitto } from '../../helpers/mosquitto-available.js';
import { runTestAppSuite } from '../../testing/test-app.case.js';

describeMosquitto('TestApp on Mosquitto (MQTT 5)', () => {
  let broker: MosquittoBroker;
  before(async () => {
    broker = await startMosquitto();
  });
  after(() => broker?.close());
  // The factory reads the URL when the test runs, after the broker started.
  const factory: TestAppFactory = (options) => brokerTestApps(broker.url)(options);
  describe('same suite as in memory', () => runTestAppSuite(factory));
});
