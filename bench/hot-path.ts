/**
 * The library's own cost per message, without network or broker: the same decoded PUBLISH
 * packets handed straight to the dispatcher (what `client.handleMessage` receives), against
 * the raw handler's work (split the topic, parse the JSON). ns per message, alternating rounds.
 * The network benchmarks say how much this matters next to mqtt.js and the socket; this one
 * says where koa-mqtt's share goes, steadily enough to compare before/after an optimisation.
 */
import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import type { IPublishPacket } from 'mqtt';
import { Dispatcher } from '../src/dispatch/dispatcher.js';
import { compileMethod } from '../src/dispatch/handler.js';
import { Hooks } from '../src/dispatch/hooks.js';
import { Router } from '../src/dispatch/router.js';
import type { Constructable } from '../src/index.js';
import { defineController } from '../src/metadata/definitions.js';
import { loadDtoModules } from '../src/payload/dto-modules.js';
import { dtoController, libraryDtoController, plainController, ReadingDto } from './lib/controllers.js';
import { readingPayload, readingTopic } from './lib/readings.js';
import { sink } from './lib/sink.js';
import { median, rotate, sig } from './lib/stats.js';

// What MqttApp.start() does before it compiles DTO handlers.
await loadDtoModules();

export interface HotPathRow {
  readonly benchmark: 'hot-path';
  readonly candidate: string;
  readonly nsPerMessage: number;
  /** ns per message beyond the raw handler's. */
  readonly overheadNs: number;
}

/** Hands one decoded PUBLISH to a candidate. */
export type Deliver = (packet: IPublishPacket) => void;

export function dispatcherFor(controllers: Constructable[]): Deliver {
  const router = new Router();
  for (const target of controllers) {
    const definition = defineController(target);
    const instance = new target();
    for (const handler of definition.handlers) {
      const compiled = compileMethod(instance, handler.method, handler.name, handler.record.params, {});
      for (const route of handler.routes) {
        router.add({ handler: compiled, pattern: route.pattern, subscription: undefined, ack: 'auto' });
      }
    }
  }
  const hooks = new Hooks((error) => {
    throw error;
  });
  hooks.add('error', (error) => {
    throw error;
  });
  // QoS 0 packets only: the ack transport is never used.
  const acks = { generation: 0, ack: () => {} };
  const dispatcher = new Dispatcher(router, hooks, { maxInFlight: Number.POSITIVE_INFINITY, acks });
  const done = () => {};
  return (packet) => dispatcher.onPacket(packet, done);
}

export const raw: Deliver = (packet) => {
  const deviceId = packet.topic.split('/')[1];
  const body = JSON.parse((packet.payload as Buffer).toString()) as { t?: number };
  sink.hit(deviceId, body.t);
};

export function packets(count: number): IPublishPacket[] {
  return Array.from({ length: count }, (_, i) => ({
    cmd: 'publish',
    // A flat string and a fresh Buffer, as mqtt-packet gives them.
    topic: Buffer.from(readingTopic(i)).toString(),
    payload: Buffer.from(readingPayload(i)),
    qos: 0,
    retain: false,
    dup: false,
    // As Mosquitto sends them to an MQTT 5 koa-mqtt app: with the subscription's identifier.
    properties: { subscriptionIdentifier: 1 },
  }));
}

export function time(deliver: Deliver, batch: readonly IPublishPacket[], repeat: number): number {
  sink.reset(batch.length * repeat);
  const start = process.hrtime.bigint();
  for (let r = 0; r < repeat; r++) for (const packet of batch) deliver(packet);
  const ns = Number(process.hrtime.bigint() - start);
  if (sink.count !== batch.length * repeat) throw new Error(`hot path: ${sink.count} handled, expected more`);
  return ns / (batch.length * repeat);
}

/**
 * Where a DTO payload's time goes, step by step on the same payloads: each step includes the
 * ones before it (JSON.parse, then plainToInstance, then validateSync), as `toDto` runs them.
 */
function dtoSteps(batch: readonly IPublishPacket[], repeat: number, rounds: number): Array<[string, number]> {
  const parse = (packet: IPublishPacket) => JSON.parse((packet.payload as Buffer).toString()) as object;
  const steps: Array<[string, Deliver]> = [
    ['dto step: JSON.parse', (packet) => sink.hit('d', (parse(packet) as { t?: number }).t)],
    ['dto step: + plainToInstance', (packet) => sink.hit('d', plainToInstance(ReadingDto, parse(packet)).t)],
    [
      'dto step: + validateSync',
      (packet) => {
        const dto = plainToInstance(ReadingDto, parse(packet));
        if (validateSync(dto, {}).length > 0) throw new Error('invalid benchmark payload');
        sink.hit('d', dto.t);
      },
    ],
  ];
  const samples = steps.map((): number[] => []);
  for (let round = -1; round < rounds; round++) {
    steps.forEach(([, deliver], i) => {
      const ns = time(deliver, batch, repeat);
      if (round >= 0) samples[i]!.push(ns);
    });
  }
  return steps.map(([name], i) => [name, median(samples[i]!)]);
}

export function run(options: { quick?: boolean } = {}): HotPathRow[] {
  const candidates: Array<[string, Deliver]> = [
    ['raw-mqttjs', raw],
    ['koa-mqtt-plain', dispatcherFor([plainController(0)])],
    ['koa-mqtt-dto', dispatcherFor([dtoController(0)])],
    ['koa-mqtt-dto-class-validator', dispatcherFor([libraryDtoController(0)])],
    ['koa-mqtt-plain-1000-handlers', dispatcherFor([plainController(0, 999)])],
  ];
  const batch = packets(1000);
  const repeat = options.quick ? 5 : 20;
  const rounds = options.quick ? 3 : 9;
  const samples = candidates.map((): number[] => []);
  for (let round = -1; round < rounds; round++) {
    for (const [name, deliver] of rotate(candidates, Math.max(0, round))) {
      const ns = time(deliver, batch, repeat);
      if (round >= 0) samples[candidates.findIndex(([n]) => n === name)]!.push(ns);
    }
  }
  const rawNs = median(samples[0]!);
  const rows: HotPathRow[] = candidates.map(([name], i) => ({
    benchmark: 'hot-path',
    candidate: name,
    nsPerMessage: sig(median(samples[i]!)),
    overheadNs: sig(median(samples[i]!) - rawNs),
  }));
  let previous = 0;
  for (const [name, ns] of dtoSteps(batch, repeat, rounds)) {
    // For the steps, `overheadNs` is what this step adds to the one before.
    rows.push({
      benchmark: 'hot-path',
      candidate: name,
      nsPerMessage: sig(ns),
      overheadNs: sig(ns - previous),
    });
    previous = ns;
  }
  return rows;
}
