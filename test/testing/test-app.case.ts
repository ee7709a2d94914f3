/**
 * One suite for `TestApp`, run in memory (`test-app.memory.test.ts`) and against Mosquitto
 * (`test-app.mosquitto.test.ts`) by swapping the factory: the same assertions hold on both,
 * which is what makes the in-memory broker's semantics trustworthy.
 */
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { IsNumber, Min } from 'class-validator';
import {
  Ctx,
  type MqttContext,
  MqttController,
  type MqttMiddleware,
  Payload,
  PayloadValidationError,
  Topic,
  TopicParam,
  UseMiddleware,
} from '../../src/index.js';
import {
  MemoryBroker,
  type TestApp,
  type TestAppFactory,
  type TestAppOptions,
} from '../../src/testing/index.js';

class ReadingDto {
  @IsNumber() @Min(-273.15) celsius!: number;
}

const stamp: MqttMiddleware = async (ctx, next) => {
  ctx.state.stamped = `mw:${ctx.topic}`;
  await next();
};

@MqttController('suite/sensors')
@UseMiddleware(stamp)
class SensorController {
  @Topic('+id/temperature', { qos: 1 })
  temperature(@TopicParam('id') id: string, @Payload() body: ReadingDto, @Ctx() ctx: MqttContext) {
    return { id, celsius: body.celsius, stamped: ctx.state.stamped, qos: ctx.qos };
  }

  @Topic('+id/#rest')
  anything(@TopicParam('rest') rest: string) {
    return `rest:${rest}`;
  }

  @Topic('+id/fail')
  fail(@TopicParam('id') id: string): never {
    throw new Error(`failed ${id}`);
  }

  @Topic('rpc/double', { qos: 1 })
  double(@Payload() n: number) {
    return n * 2;
  }
}

@MqttController('suite/jobs', { share: 'workers' })
class WorkerController {
  @Topic('+kind', { qos: 1 })
  job(@TopicParam('kind') kind: string) {
    return kind;
  }
}

/** Sorted handler names (copies of one message run concurrently). */
const names = (runs: readonly { handler: string }[]) => runs.map((r) => r.handler).sort();

export function runTestAppSuite(factory: TestAppFactory): void {
  const open: TestApp[] = [];
  const start = async (options: TestAppOptions): Promise<TestApp> => {
    const t = await factory(options);
    open.push(t);
    return t;
  };
  const stopAll = async () => {
    await Promise.all(open.splice(0).map((t) => t.stop()));
  };

  it('routes, extracts parameters, validates payloads and runs middleware', async (ctx) => {
    ctx.after(stopAll);
    const t = await start({ controllers: [SensorController] });
    const ok = await t.publish('suite/sensors/d1/temperature', { celsius: 21.5 }, { qos: 1 });
    assert.deepEqual(names(ok.runs), ['SensorController.anything', 'SensorController.temperature']);
    const temperature = ok.runs.find((r) => r.handler === 'SensorController.temperature')!;
    assert.deepEqual(temperature.value, {
      id: 'd1',
      celsius: 21.5,
      stamped: 'mw:suite/sensors/d1/temperature',
      qos: 1,
    });
    assert.deepEqual(temperature.params, { id: 'd1' });
    assert.equal(ok.runs.find((r) => r.handler === 'SensorController.anything')!.value, 'rest:temperature');

    const invalid = await t.publish('suite/sensors/d1/temperature', { celsius: -500 }, { qos: 1 });
    const failed = invalid.runs.find((r) => r.handler === 'SensorController.temperature')!;
    assert.equal(failed.ok, false);
    assert.ok(failed.error instanceof PayloadValidationError);
    assert.equal(t.handler('SensorController.temperature').callCount, 2);
  });

  it('a throwing handler reaches onError and is reported as failed', async (ctx) => {
    ctx.after(stopAll);
    const errors: string[] = [];
    const t = await start({
      controllers: [SensorController],
      onError: (error) => void errors.push(error.message),
    });
    const outcome = await t.publish('suite/sensors/d2/fail', 'x');
    assert.deepEqual(names(outcome.runs), ['SensorController.anything', 'SensorController.fail']);
    assert.deepEqual(
      outcome.errors.map((e) => e.message),
      ['failed d2'],
    );
    assert.deepEqual(errors, ['failed d2']);
  });

  it('overlapping subscriptions: each handler runs once per message', async (ctx) => {
    ctx.after(stopAll);
    const t = await start({ controllers: [SensorController] });
    await t.service.subscribe('suite/sensors/+/temperature', () => 'runtime');
    await t.service.subscribe('suite/#', () => 'wide');
    const outcome = await t.publish('suite/sensors/d3/temperature', { celsius: 1 }, { qos: 1 });
    assert.deepEqual(names(outcome.runs), [
      'SensorController.anything',
      'SensorController.temperature',
      'suite/#',
      'suite/sensors/+/temperature',
    ]);
  });

  it('QoS of a copy is the lower of the publish and the subscription', async (ctx) => {
    ctx.after(stopAll);
    const t = await start({});
    await t.service.subscribe('suite/qos/low', (c) => c.qos, { qos: 0 });
    await t.service.subscribe('suite/qos/high', (c) => c.qos, { qos: 2 });
    assert.deepEqual(
      (await t.publish('suite/qos/low', 'x', { qos: 2 })).runs.map((r) => r.value),
      [0],
    );
    assert.deepEqual(
      (await t.publish('suite/qos/high', 'x', { qos: 1 })).runs.map((r) => r.value),
      [1],
    );
  });

  it('share groups: each message goes to one member of the group', async (ctx) => {
    ctx.after(stopAll);
    const broker = new MemoryBroker(); // used in memory, ignored on a real broker
    const a = await start({ controllers: [WorkerController], broker, clientId: `suite-a-${process.pid}` });
    const b = await start({ controllers: [WorkerController], broker, clientId: `suite-b-${process.pid}` });
    for (let i = 0; i < 6; i++) await a.publish(`suite/jobs/k${i}`, 'x', { qos: 1 });
    await b.settled();
    const handled = [...a.runs, ...b.runs].map((r) => r.value).sort();
    assert.deepEqual(handled, ['k0', 'k1', 'k2', 'k3', 'k4', 'k5'], 'every job once, by one member');
  });

  it('retained messages: sent on subscribe with retain set; live copies have it cleared', async (ctx) => {
    ctx.after(stopAll);
    const t = await start({});
    const topic = `suite/retained/${process.pid}-${Date.now()}`;
    await t.publish(topic, 'kept', { qos: 1, retain: true });
    await t.service.subscribe(topic, (c) => ({ text: c.text(), retain: c.retain }), { qos: 1 });
    const replayed = await t.settled();
    assert.deepEqual(
      replayed.runs.map((r) => r.value),
      [{ text: 'kept', retain: true }],
    );
    const live = await t.publish(topic, 'live', { qos: 1, retain: true });
    assert.deepEqual(
      live.runs.map((r) => r.value),
      [{ text: 'live', retain: false }],
    );
    await t.publish(topic, '', { qos: 1, retain: true }); // clears it
  });

  it('replies to MQTT 5 requests; records what the app published', async (ctx) => {
    ctx.after(stopAll);
    const t = await start({ controllers: [SensorController] });
    const responseTopic = `suite/replies/${process.pid}`;
    const outcome = await t.publish('suite/sensors/rpc/double', 21, {
      qos: 1,
      properties: { responseTopic, correlationData: Buffer.from('c1') },
    });
    assert.equal(outcome.runs.find((r) => r.handler === 'SensorController.double')!.value, 42);
    const reply = t.published.find((p) => p.topic === responseTopic);
    assert.ok(reply, `no reply among ${t.published.map((p) => p.topic).join(', ')}`);
    assert.equal(reply.payload.toString(), '42');
    assert.equal(reply.properties?.correlationData?.toString(), 'c1');
  });
}
