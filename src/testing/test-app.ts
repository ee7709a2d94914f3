import { MqttApp } from '../app/app.js';
import type { MqttAppOptions } from '../app/options.js';
import { MqttConfig } from '../client/config.js';
import type { PublishOptions } from '../client/publish-options.js';
import { addObserver } from '../dispatch/observer.js';
import { MqttError } from '../errors.js';
import { silentLogger } from '../logger.js';
import { encodePayload } from '../payload/encode.js';
import type { MqttService } from '../service/mqtt-service.js';
import { validateTopicName } from '../topic/index.js';
import { MemoryBroker } from './memory-broker.js';
import { type MemoryAck, MemoryConnection, type PublishedMessage } from './memory-connection.js';
import { type HandlerRun, RunRecorder } from './run-recorder.js';

/** Options of `createTestApp`: the app's own options (controllers, container, middleware, hooks…). */
export interface TestAppOptions extends Omit<MqttAppOptions, 'config' | 'url'> {
  /** 5 (default) or 4 (MQTT 3.1.1: no subscription identifiers, no properties). */
  readonly protocolVersion?: 4 | 5;
  /** A broker shared with other test apps (share groups across instances); default: a new one. */
  readonly broker?: MemoryBroker;
}

/** What `publish` resolves with once every handler it reached has settled. */
export interface PublishOutcome {
  /** Handler executions it caused (handlers that publish in turn included), in start order. */
  readonly runs: readonly HandlerRun[];
  /** Names of the handlers that ran. */
  readonly handlers: readonly string[];
  /** The errors they threw, in order. */
  readonly errors: readonly Error[];
  /**
   * In memory only: the acknowledgements the app sent for QoS 1/2 copies (reason codes: 0
   * success, 0x80 a failed handler under `ack: 'after-handler'`). Empty against a real broker.
   */
  readonly acks: readonly MemoryAck[];
}

/** Calls of one handler, for assertions (`t.handler('SensorController.temperature').calls`). */
export interface HandlerSpy {
  readonly calls: readonly HandlerRun[];
  readonly callCount: number;
  readonly called: boolean;
  readonly lastCall: HandlerRun | undefined;
}

/** A started app under test, in memory (`createTestApp`) or on a broker (`connectTestApp`). */
export interface TestApp {
  readonly app: MqttApp;
  readonly service: MqttService;
  /** Everything the app published (replies, dead letters and handlers' publishes included), in order. */
  readonly published: readonly PublishedMessage[];
  /** Every handler execution so far. */
  readonly runs: readonly HandlerRun[];
  /**
   * Publishes as another client would and resolves once every handler it reached settled.
   * Await one before the next: runs are attributed by time.
   */
  publish(topic: string, payload?: unknown, options?: PublishOptions): Promise<PublishOutcome>;
  /** Resolves once nothing is left running (e.g. retained messages sent on a runtime subscribe). */
  settled(): Promise<PublishOutcome>;
  handler(name: string): HandlerSpy;
  stop(): Promise<void>;
}

/** Makes a test app: `createTestApp` and `connectTestApp(url)` both fit, so one suite runs on either. */
export type TestAppFactory = (options: TestAppOptions) => Promise<TestApp>;

/**
 * The app's real pipeline (routing, parameters, validation, middleware, hooks, acks, replies)
 * on an in-memory connection: no socket, no broker process. The in-memory broker behaves as
 * Mosquitto 2.0 does (see `MemoryBroker` and docs/testing.md). Started; `stop()` it after.
 */
export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const { protocolVersion = 5, broker = new MemoryBroker(), ...appOptions } = options;
  let connection: MemoryConnection | undefined;
  const app = new MqttApp(
    {
      logger: silentLogger,
      ...appOptions,
      config: MqttConfig.from({ clientId: options.clientId ?? `test-app-${++apps}` }),
    },
    {
      connection: (config, sink, logger) => {
        connection = new MemoryConnection(config, sink, logger, broker, protocolVersion);
        return connection;
      },
    },
  );
  const memory = connection!;
  const recorder = new RunRecorder(() => false);
  addObserver(app.dispatcher, recorder);
  const external = { protocolVersion: 5 as const, deliver: () => {} };
  await app.start();
  return new MemoryTestApp(app, memory, broker, recorder, external);
}

let apps = 0;

class MemoryTestApp implements TestApp {
  private waiters: Array<() => void> = [];
  private mark = 0;
  private ackMark = 0;

  constructor(
    readonly app: MqttApp,
    private readonly connection: MemoryConnection,
    private readonly broker: MemoryBroker,
    private readonly recorder: RunRecorder,
    private readonly publisher: { protocolVersion: 5; deliver(): void },
  ) {
    const wake = () => {
      if (!this.idle) return;
      for (const resolve of this.waiters.splice(0)) resolve();
    };
    recorder.onProgress = wake;
    connection.onProgress = wake;
  }

  get service(): MqttService {
    return this.app.service;
  }

  get published(): readonly PublishedMessage[] {
    return this.connection.published;
  }

  get runs(): readonly HandlerRun[] {
    return this.recorder.runs;
  }

  async publish(topic: string, payload?: unknown, options: PublishOptions = {}): Promise<PublishOutcome> {
    if (!this.app.running) throw new MqttError('publish(): the test app is not running');
    // The same checks and encoding as MqttService.publish, so a test cannot send what a client could not.
    validateTopicName(topic);
    const encoded = encodePayload(payload);
    const properties =
      encoded.contentType && options.properties?.contentType === undefined
        ? { ...options.properties, contentType: encoded.contentType }
        : options.properties;
    this.settleMarks();
    this.broker.publish(this.publisher, {
      topic,
      payload: typeof encoded.payload === 'string' ? Buffer.from(encoded.payload) : encoded.payload,
      qos: options.qos ?? 0,
      retain: options.retain ?? false,
      ...(properties ? { properties } : {}),
    });
    return this.settled();
  }

  async settled(): Promise<PublishOutcome> {
    if (!this.idle) await new Promise<void>((resolve) => this.waiters.push(resolve));
    const runs = this.recorder.runs.slice(this.mark);
    const acks = this.connection.acks.slice(this.ackMark);
    this.settleMarks();
    return outcome(runs, acks);
  }

  handler(name: string): HandlerSpy {
    return spy(this.recorder.runs, name);
  }

  stop(): Promise<void> {
    return this.app.stop();
  }

  private settleMarks(): void {
    this.mark = this.recorder.runs.length;
    this.ackMark = this.connection.acks.length;
  }

  /** Nothing queued for the dispatcher, every copy handled, every QoS 1/2 copy acknowledged. */
  private get idle(): boolean {
    return this.connection.queued === 0 && this.recorder.idle && this.connection.unacked === 0;
  }
}

export function outcome(runs: readonly HandlerRun[], acks: readonly MemoryAck[]): PublishOutcome {
  return {
    runs,
    handlers: runs.map((run) => run.handler),
    errors: runs.flatMap((run) => (run.error ? [run.error] : [])),
    acks,
  };
}

export function spy(runs: readonly HandlerRun[], name: string): HandlerSpy {
  const calls = runs.filter((run) => run.handler === name);
  return { calls, callCount: calls.length, called: calls.length > 0, lastCall: calls.at(-1) };
}
