/**
 * The publisher process of the end-to-end benchmarks (forked by publisher-client.ts), so that
 * publishing does not share the event loop of the application measured. Commands arrive over
 * IPC; every burst ends with a QoS 1 publish whose PUBACK proves the broker has taken all before.
 */
import { connectAsync, type MqttClient } from 'mqtt';
import { BacklogGate } from './gate.js';
import type { PublisherCommand, PublisherReply } from './publisher-protocol.js';
import { readingPayload, readingTopic } from './readings.js';
import { nowMicros } from './stats.js';

let client: MqttClient | undefined;
let gate: BacklogGate | undefined;
let received = 0;
let onReceived: (() => void) | undefined;

function reply(message: PublisherReply): void {
  process.send?.(message);
}

async function burst(count: number, qos: 0 | 1, window: number, credit: number | undefined): Promise<void> {
  const c = client!;
  const started = performance.now();
  let inFlight = 0;
  let wake: (() => void) | undefined;
  let failure: Error | undefined;
  const acked = (error?: Error) => {
    if (error) failure ??= error;
    inFlight--;
    wake?.();
  };
  for (let i = 0; i < count; i++) {
    if (credit !== undefined) {
      while (i - received >= credit) await new Promise<void>((resolve) => (onReceived = resolve));
    }
    if (qos === 1) {
      while (inFlight >= window) await new Promise<void>((resolve) => (wake = resolve));
      inFlight++;
      c.publish(readingTopic(i), readingPayload(i), { qos: 1 }, acked);
    } else {
      c.publish(readingTopic(i), readingPayload(i), { qos: 0 });
      // Let the socket drain now and then instead of buffering the whole burst in memory.
      if (i % 500 === 499) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    if (failure) throw failure;
  }
  await c.publishAsync('bench/sync', '', { qos: 1 });
  reply({ type: 'done', sent: count, ms: performance.now() - started });
}

async function paced(count: number, qos: 0 | 1, rate: number): Promise<void> {
  const c = client!;
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise<void>((resolve) => setTimeout(resolve, wait));
    c.publish(readingTopic(i), readingPayload(i, nowMicros()), { qos });
  }
  await c.publishAsync('bench/sync', '', { qos: 1 });
  reply({ type: 'done', sent: count, ms: performance.now() - started });
}

async function handle(command: PublisherCommand): Promise<void> {
  switch (command.type) {
    case 'connect':
      client = await connectAsync(command.url, { protocolVersion: 5, reconnectPeriod: 0, clean: true });
      // Small packets one after another: without this, Nagle holds them back.
      (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
      gate = await BacklogGate.listen(command.url);
      reply({ type: 'ready', gateUrl: gate.url });
      return;
    case 'burst':
      received = 0;
      return burst(command.count, command.qos, command.window, command.credit);
    case 'paced':
      return paced(command.count, command.qos, command.rate);
    case 'received':
      received = command.count;
      onReceived?.();
      onReceived = undefined;
      return;
    case 'hold':
      gate!.holdAll();
      reply({ type: 'gate' });
      return;
    case 'release':
      await gate!.release(command.clientId, command.count);
      reply({ type: 'gate' });
      return;
    case 'settle':
      await gate!.settle(command.clientId, command.count);
      await client!.publishAsync('bench/sync', '', { qos: 1 });
      reply({ type: 'gate' });
      return;
    case 'exit':
      await gate?.close();
      await client?.endAsync();
      process.exit(0);
  }
}

process.on('message', (command: PublisherCommand) => {
  handle(command).catch((error: unknown) => {
    reply({ type: 'error', message: error instanceof Error ? error.message : String(error) });
  });
});
process.on('disconnect', () => process.exit(0));
