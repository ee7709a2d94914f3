import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Type } from 'class-transformer';
import { IsArray, IsInt, IsOptional, IsString, Min, ValidateNested } from 'class-validator';
import type { MqttClient } from 'mqtt';
import {
  createMqttApp,
  type MqttApp,
  MqttController,
  Payload,
  PayloadValidationError,
  silentLogger,
  Topic,
} from '../../../src/index.js';
import { ClientPool } from '../../helpers/clients.js';
import { mosquittoSkipReason } from '../../helpers/mosquitto-available.js';
import { Recorder } from '../../helpers/recorder.js';
import { type RunningBroker, targets } from '../../helpers/targets.js';
import { waitFor } from '../../helpers/wait.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const BAD_MESSAGES = 10_000;
const WARM_UP = 1_000;
/** Heap growth allowed between before and after the bad messages, after a forced GC. */
const HEAP_BOUND = 8 * 1024 * 1024;
const KIB_256 = 256 * 1024;

class Line {
  @IsString() sku!: string;
}

class Order {
  @IsString() item!: string;
  @IsInt() @Min(1) quantity!: number;
  @IsOptional() @IsArray() @ValidateNested({ each: true }) @Type(() => Line) lines?: Line[];
}

@MqttController('robust')
class Orders {
  static readonly handled = new Recorder<Order>();
  @Topic('orders', { qos: 1 })
  create(@Payload({ whitelist: true, forbidNonWhitelisted: true }) order: Order) {
    Orders.handled.record(order);
  }
}

/** Deterministic PRNG (mulberry32), so that a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const GOOD = '{"item":"tea","quantity":2,"lines":[{"sku":"t-1"}]}';
const WRONG_SHAPES = [
  '{"item":1,"quantity":"two"}',
  '{"item":"tea","quantity":0}',
  '{"item":"tea","quantity":2,"price":3}',
  '{"item":"tea","quantity":2.5}',
  '{"item":"tea","quantity":2,"lines":[{"sku":5}]}',
  '{"item":"tea","quantity":2,"lines":"x"}',
  '{"item":"tea","quantity":2,"__proto__":{"admin":true}}',
  '[{"item":"tea","quantity":2}]',
  '"tea"',
  '42',
  'null',
  'true',
  '{}',
  '',
];
const DEEP = `{"item":"tea","quantity":2,"lines":${'['.repeat(50_000)}${']'.repeat(50_000)}}`;
const HUGE_JSON = `{"item":"${'a'.repeat(KIB_256)}","quantity":"many"}`;

/** The i-th bad payload: random bytes, truncated JSON, JSON of the wrong shape, deep nesting, 256 KiB. */
function badPayload(i: number, next: () => number): Buffer | string {
  if (i % 1000 === 0) return DEEP;
  if (i % 1000 === 500) return HUGE_JSON;
  if (i % 1000 === 250) return Buffer.alloc(KIB_256, 0xfe);
  switch (i % 3) {
    case 0: {
      const bytes = Buffer.alloc(1 + Math.floor(next() * 200));
      for (let b = 0; b < bytes.length; b++) bytes[b] = Math.floor(next() * 256);
      bytes[0] = 0xff; // never valid UTF-8, so never valid JSON
      return bytes;
    }
    case 1:
      return GOOD.slice(0, Math.floor(next() * (GOOD.length - 1)));
    default:
      return WRONG_SHAPES[Math.floor(next() * WRONG_SHAPES.length)]!;
  }
}

/** Publishes `count` messages at QoS 1 with at most `window` unacknowledged (broker flow control). */
async function pump(
  client: MqttClient,
  count: number,
  window: number,
  payload: (i: number) => Buffer | string,
) {
  let sent = 0;
  const worker = async () => {
    while (sent < count) {
      const i = sent++;
      await client.publishAsync('robust/orders', payload(i), { qos: 1 });
    }
  };
  await Promise.all(Array.from({ length: window }, worker));
}

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

const mosquitto5 = targets.find((t) => t.protocolVersion === 5)!;
const target = mosquittoSkipReason() ? targets[0]! : mosquitto5;

describe(`bad payloads on ${target.name}`, () => {
  let broker: RunningBroker;
  const pool = new ClientPool();
  let app: MqttApp;
  let publisher: MqttClient;
  let invalid = 0;
  const otherErrors: Error[] = [];

  before(async () => {
    // Mosquitto would drop QoS 1 messages queued past 1000 for a subscriber that falls behind.
    broker = await target.start({ maxQueuedMessages: BAD_MESSAGES + WARM_UP + 10 });
    app = createMqttApp({
      url: broker.url,
      protocolVersion: target.protocolVersion,
      logger: silentLogger,
      controllers: [Orders],
      onError: (error) => {
        if (error instanceof PayloadValidationError && error.handler === 'Orders.create') invalid++;
        else otherErrors.push(error);
      },
    });
    await app.start();
    publisher = await pool.connect(broker.url, { protocolVersion: target.protocolVersion ?? 4 });
  });
  after(async () => {
    await app.stop();
    await pool.closeAll();
    await broker.close();
  });

  it(`survives ${BAD_MESSAGES} bad payloads, reports each, handles the next good one, keeps its heap`, async (t) => {
    const warm = random(1);
    await pump(publisher, WARM_UP, 20, (i) => badPayload(i + 1, warm));
    await waitFor(() => invalid === WARM_UP, { timeout: 10_000, message: `${WARM_UP} warm-up errors` });
    const heapBefore = heapAfterGc();
    invalid = 0;

    const started = Date.now();
    const next = random(42);
    await pump(publisher, BAD_MESSAGES, 20, (i) => badPayload(i, next));
    await publisher.publishAsync('robust/orders', GOOD, { qos: 1 });
    const [order] = await Orders.handled.waitFor(1, 15_000);
    await waitFor(() => invalid === BAD_MESSAGES, {
      timeout: 10_000,
      message: `${BAD_MESSAGES} PayloadValidationErrors (got ${invalid})`,
    });
    const elapsed = Date.now() - started;

    assert.ok(order instanceof Order);
    assert.deepEqual({ ...order, lines: order.lines?.map((l) => ({ ...l })) }, JSON.parse(GOOD));
    assert.equal(Orders.handled.count, 1, 'only the good payload reached the handler');
    assert.equal(invalid, BAD_MESSAGES, 'every bad payload reached onError as a PayloadValidationError');
    assert.deepEqual(otherErrors, []);
    assert.equal(app.service.connected, true);
    assert.equal(({} as Record<string, unknown>).admin, undefined, 'no prototype pollution');

    const heapAfter = heapAfterGc();
    const growth = heapAfter - heapBefore;
    const mib = (n: number) => `${(n / 1024 / 1024).toFixed(2)} MiB`;
    t.diagnostic(
      `${BAD_MESSAGES} bad payloads in ${elapsed} ms; heap after forced GC: before ${mib(heapBefore)}, after ${mib(heapAfter)}, growth ${mib(growth)} (bound ${mib(HEAP_BOUND)})`,
    );
    assert.ok(growth < HEAP_BOUND, `heap grew by ${mib(growth)}, more than ${mib(HEAP_BOUND)}`);
  });
});
