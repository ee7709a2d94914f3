import mqtt, { type IClientPublishOptions, type MqttClient } from 'mqtt';
import { MqttApp } from '../app/app.js';
import { MqttConfig } from '../client/config.js';
import type { PublishOptions } from '../client/publish-options.js';
import { addObserver } from '../dispatch/observer.js';
import { silentLogger } from '../logger.js';
import { resolveSubscription } from '../metadata/definitions.js';
import { encodePayload } from '../payload/encode.js';
import type { MqttService } from '../service/mqtt-service.js';
import { parsePattern, validateTopicName } from '../topic/index.js';
import type { PublishedMessage } from './memory-connection.js';
import { type HandlerRun, RunRecorder } from './run-recorder.js';
import {
  type HandlerSpy,
  outcome,
  type PublishOutcome,
  spy,
  type TestApp,
  type TestAppFactory,
  type TestAppOptions,
} from './test-app.js';

/** Topics of the fences: `$`-topics, so no `#` or `+/…` subscription of the app sees them. */
const FENCE_ROOT = '$koa-mqtt-test/fence';

/**
 * `createTestApp`'s twin on a real broker at `url`: the same `TestApp`, so one suite runs in
 * memory and against Mosquitto by swapping the factory. A second client publishes; after each
 * message it publishes a fence on a topic only the app's test route subscribes to, and
 * `publish` resolves once the fence was handled and every copy received before it settled
 * (the broker keeps one publisher's messages in order). `outcome.acks` is empty here.
 */
export function brokerTestApps(url: string): TestAppFactory {
  return (options) => createBrokerTestApp(url, options);
}

export async function createBrokerTestApp(url: string, options: TestAppOptions = {}): Promise<TestApp> {
  const { protocolVersion = 5, broker: _memoryOnly, ...appOptions } = options;
  const app = new MqttApp({
    logger: silentLogger,
    ...appOptions,
    config: MqttConfig.from({
      url,
      protocolVersion,
      ...(options.clientId ? { clientId: options.clientId } : {}),
    }),
  });
  const fenceTopic = `${FENCE_ROOT}/${app.connection.clientId}`;
  const recorder = new RunRecorder((topic) => topic === fenceTopic);
  addObserver(app.dispatcher, recorder);
  const published: PublishedMessage[] = [];
  const fences = new Map<string, () => void>();
  await app.start();
  // What the app hands its connection, recorded as the in-memory connection records it.
  const connection = app.connection;
  const send = connection.publish.bind(connection);
  connection.publish = (topic: string, payload: Buffer | string, publishOptions: IClientPublishOptions) => {
    published.push({
      topic,
      payload: typeof payload === 'string' ? Buffer.from(payload) : payload,
      qos: publishOptions.qos ?? 0,
      retain: publishOptions.retain ?? false,
      properties: publishOptions.properties as PublishedMessage['properties'],
    });
    return send(topic, payload, publishOptions);
  };
  // The fence route is the test's own: no middleware, no hooks, not recorded.
  const added = app.subscriber.add(fenceTopic, resolveSubscription({ qos: 1 }), 'runtime');
  app.router.add({
    handler: {
      name: 'fence',
      invoke: (message) => fences.get(message.payload.toString())?.(),
    },
    pattern: parsePattern(fenceTopic),
    subscription: added.subscription,
    ack: 'auto',
  });
  await added.granted;
  const publisher = await mqtt.connectAsync(url, { protocolVersion, reconnectPeriod: 0 });
  return new BrokerTestApp(app, publisher, recorder, published, fenceTopic, fences);
}

class BrokerTestApp implements TestApp {
  private mark = 0;
  private fenceCount = 0;
  private waiters: Array<() => void> = [];

  constructor(
    readonly app: MqttApp,
    private readonly publisher: MqttClient,
    private readonly recorder: RunRecorder,
    readonly published: PublishedMessage[],
    private readonly fenceTopic: string,
    private readonly fences: Map<string, () => void>,
  ) {
    recorder.onProgress = () => {
      if (!recorder.idle) return;
      for (const resolve of this.waiters.splice(0)) resolve();
    };
  }

  get service(): MqttService {
    return this.app.service;
  }

  get runs(): readonly HandlerRun[] {
    return this.recorder.runs;
  }

  async publish(topic: string, payload?: unknown, options: PublishOptions = {}): Promise<PublishOutcome> {
    validateTopicName(topic);
    const encoded = encodePayload(payload);
    const properties =
      this.publisher.options.protocolVersion === 5 && encoded.contentType && !options.properties?.contentType
        ? { ...options.properties, contentType: encoded.contentType }
        : options.properties;
    this.mark = this.recorder.runs.length;
    await this.publisher.publishAsync(topic, encoded.payload, {
      qos: options.qos ?? 0,
      retain: options.retain ?? false,
      ...(properties ? { properties } : {}),
    });
    return this.settled(options.qos ?? 0);
  }

  /** Publishes a fence behind everything sent so far and waits for it, then for every copy before it. */
  async settled(qos: 0 | 1 | 2 = 1): Promise<PublishOutcome> {
    const id = String(++this.fenceCount);
    const fenced = new Promise<void>((resolve) => this.fences.set(id, resolve));
    await this.publisher.publishAsync(this.fenceTopic, id, { qos });
    await fenced;
    this.fences.delete(id);
    if (!this.recorder.idle) await new Promise<void>((resolve) => this.waiters.push(resolve));
    const runs = this.recorder.runs.slice(this.mark);
    this.mark = this.recorder.runs.length;
    return outcome(runs, []);
  }

  handler(name: string): HandlerSpy {
    return spy(this.recorder.runs, name);
  }

  async stop(): Promise<void> {
    await this.publisher.endAsync();
    await this.app.stop();
  }
}
