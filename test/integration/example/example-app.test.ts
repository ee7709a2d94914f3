import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { MqttClient } from 'mqtt';
import { ClientPool } from '../../helpers/clients.js';
import { type MosquittoBroker, startMosquitto } from '../../helpers/mosquitto.js';
import { mosquittoSkipReason } from '../../helpers/mosquitto-available.js';
import { collectMessages, waitFor, withTimeout } from '../../helpers/wait.js';

/** The compiled example, as `npm run example` runs it (`npm run build:example` compiles it). */
const MAIN = join(import.meta.dirname, '..', '..', '..', 'example-app', 'src', 'main.js');

interface RunningExample {
  readonly child: ChildProcess;
  readonly http: string;
  /** The embedded broker's URL, when it started one. */
  readonly embedded: string | undefined;
  output(): string;
  /** SIGTERM, and the exit code. */
  terminate(): Promise<number | null>;
}

/** Starts `node .build/example-app/src/main.js` with `env` and waits for its "HTTP listening on" line. */
async function startExample(env: Record<string, string>): Promise<RunningExample> {
  assert.ok(existsSync(MAIN), `${MAIN} is missing: run npm run build && npm run build:example`);
  const { MQTT_URL: _ignored, ...inherited } = process.env;
  const child = spawn(process.execPath, [MAIN], {
    env: { ...inherited, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await withTimeout(
    Promise.race([
      waitFor(() => /HTTP listening on http:\/\/\S+/.test(output), { timeout: 20_000, message: 'HTTP line' }),
      exited.then((code) => assert.fail(`example exited with ${code} before listening:\n${output}`)),
    ]),
    20_000,
    'example app start',
  );
  return {
    child,
    http: /HTTP listening on (http:\/\/\S+)/.exec(output)![1]!,
    embedded: /Embedded MQTT broker on (mqtt:\/\/[\d.]+:\d+)/.exec(output)?.[1],
    output: () => output,
    terminate: () => {
      child.kill('SIGTERM');
      return withTimeout(exited, 15_000, 'example exit after SIGTERM');
    },
  };
}

const json = async <T>(response: Response): Promise<T> => (await response.json()) as T;
const send = (url: string, method: string, body?: unknown) =>
  fetch(url, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

interface Reading {
  deviceId: string;
  celsius: number;
}
interface Listing {
  subscriptions: Array<{ filter: string; sources: string[] }>;
  messages: Array<{ filter: string; topic: string; payload: string }>;
}

/** What a user does with the running example, checked end to end. */
function exercise(name: string, setup: () => Promise<{ example: RunningExample; brokerUrl: string }>) {
  describe(name, () => {
    let example: RunningExample;
    let client: MqttClient;
    const pool = new ClientPool();
    before(async () => {
      const started = await setup();
      example = started.example;
      client = await pool.connect(started.brokerUrl);
    });
    after(async () => {
      await pool.closeAll();
      if (example?.child.exitCode === null) example.child.kill('SIGKILL');
    });

    const readings = async () => json<Reading[]>(await fetch(`${example.http}/readings`));
    const listing = async () => json<Listing>(await fetch(`${example.http}/subscriptions`));

    it('answers GET /health with 200 and the controller subscription', async () => {
      const response = await fetch(`${example.http}/health`);
      assert.equal(response.status, 200);
      const body = await json<{ status: string; subscriptions: Array<{ filter: string }> }>(response);
      assert.equal(body.status, 'ok');
      assert.deepEqual(
        body.subscriptions.map((s) => s.filter),
        ['sensors/+/temperature'],
      );
    });

    it('keeps the latest valid temperature per device and skips invalid ones', async () => {
      await client.publishAsync('sensors/kitchen/temperature', '{"celsius":20}', { qos: 1 });
      await client.publishAsync('sensors/kitchen/temperature', '{"celsius":"hot"}', { qos: 1 });
      await client.publishAsync('sensors/kitchen/temperature', '{"celsius":21.5}', { qos: 1 });
      await client.publishAsync('sensors/hall/temperature', '{"celsius":18}', { qos: 1 });
      await waitFor(async () => (await readings()).some((r) => r.deviceId === 'hall'), {
        timeout: 5000,
        message: 'hall reading listed',
      });
      const list = await readings();
      assert.deepEqual(
        list.map((r) => [r.deviceId, r.celsius]),
        [
          ['hall', 18],
          ['kitchen', 21.5],
        ],
      );
      assert.match(example.output(), /Invalid payload on "sensors\/kitchen\/temperature"/);
    });

    it('POST /publish reaches a raw subscriber; an invalid topic is a 400', async () => {
      await client.subscribeAsync('out/#', { qos: 1 });
      const received = collectMessages(client, 1, 5000);
      const response = await send(`${example.http}/publish`, 'POST', {
        topic: 'out/alert',
        payload: { level: 3 },
        qos: 1,
      });
      assert.equal(response.status, 202);
      assert.equal((await json<{ topic: string }>(response)).topic, 'out/alert');
      const [message] = await received;
      assert.equal(message!.topic, 'out/alert');
      assert.deepEqual(JSON.parse(message!.payload.toString()), { level: 3 });

      const bad = await send(`${example.http}/publish`, 'POST', { topic: 'out/#', payload: 1 });
      assert.equal(bad.status, 400);
      assert.match((await json<{ message: string }>(bad)).message, /wildcard/);
    });

    it('subscribes at runtime over HTTP, keeps what arrives, and unsubscribes one or all', async () => {
      const created = await send(`${example.http}/subscriptions`, 'POST', { filter: 'lab/+', qos: 1 });
      assert.equal(created.status, 201);
      assert.deepEqual(await json(created), { filter: 'lab/+', qos: 1 });
      await client.publishAsync('lab/one', 'hello', { qos: 1 });
      await waitFor(async () => (await listing()).messages.some((m) => m.payload === 'hello'), {
        timeout: 5000,
        message: 'message kept',
      });
      const kept = await listing();
      assert.ok(kept.subscriptions.some((s) => s.filter === 'lab/+' && s.sources.includes('runtime')));
      assert.deepEqual(kept.messages, [{ ...kept.messages[0]!, filter: 'lab/+', topic: 'lab/one' }]);

      const removed = await send(
        `${example.http}/subscriptions?filter=${encodeURIComponent('lab/+')}`,
        'DELETE',
      );
      assert.equal(removed.status, 200);
      assert.deepEqual(await json(removed), { removed: ['lab/+'] });
      assert.equal((await send(`${example.http}/subscriptions?filter=lab%2F%2B`, 'DELETE')).status, 404);
      // After the unsubscribe, lab/one is no longer kept: a sensor reading published after it is the barrier.
      await client.publishAsync('lab/one', 'after', { qos: 1 });
      await client.publishAsync('sensors/barrier/temperature', '{"celsius":1}', { qos: 1 });
      await waitFor(async () => (await readings()).some((r) => r.deviceId === 'barrier'), {
        timeout: 5000,
        message: 'barrier reading',
      });
      const afterRemoval = await listing();
      assert.deepEqual(afterRemoval.messages, []);
      assert.ok(!afterRemoval.subscriptions.some((s) => s.filter === 'lab/+'));

      for (const filter of ['a/#', 'b/+']) {
        assert.equal((await send(`${example.http}/subscriptions`, 'POST', { filter })).status, 201);
      }
      const all = await send(`${example.http}/subscriptions`, 'DELETE');
      assert.deepEqual(((await json<{ removed: string[] }>(all)).removed ?? []).sort(), ['a/#', 'b/+']);
      assert.deepEqual(
        (await listing()).subscriptions.map((s) => s.filter),
        ['sensors/+/temperature'],
      );
    });

    it('stops on SIGTERM with exit code 0', async () => {
      assert.equal(await example.terminate(), 0, example.output());
      assert.match(example.output(), /SIGTERM: stopping\nstopped/);
    });
  });
}

exercise('example app with the embedded broker', async () => {
  const example = await startExample({ MQTT_EMBEDDED_PORT: '0' });
  assert.ok(example.embedded, `no embedded broker line in:\n${example.output()}`);
  assert.equal(example.output().match(/Embedded MQTT broker on/g)?.length, 1, 'one line with the broker URL');
  return { example, brokerUrl: example.embedded };
});

describe('example app against Mosquitto (MQTT_URL)', { skip: mosquittoSkipReason() }, () => {
  let broker: MosquittoBroker;
  before(async () => {
    broker = await startMosquitto();
  });
  after(() => broker?.close());
  exercise('MQTT_URL', async () => {
    const example = await startExample({ MQTT_URL: broker.url });
    assert.equal(example.embedded, undefined, 'no embedded broker when MQTT_URL is set');
    return { example, brokerUrl: broker.url };
  });
});
