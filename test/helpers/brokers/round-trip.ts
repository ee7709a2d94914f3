import assert from 'node:assert/strict';
import type { MqttClient } from 'mqtt';
import { collectMessages } from '../wait.js';

/** Subscribes `sub` to `topic` at QoS 1, publishes one QoS 1 message from `pub`, and checks it arrives. */
export async function roundTrip(sub: MqttClient, pub: MqttClient, topic: string): Promise<void> {
  const [granted] = await sub.subscribeAsync(topic, { qos: 1 });
  assert.equal(granted?.qos, 1, `SUBSCRIBE ${topic} granted QoS 1`);
  const received = collectMessages(sub, 1, 5000);
  await pub.publishAsync(topic, `to ${topic}`, { qos: 1 });
  const [message] = await received;
  assert.equal(message!.topic, topic);
  assert.equal(message!.payload.toString(), `to ${topic}`);
  assert.equal(message!.packet.qos, 1);
}

/** Prints a figure the way the other suites do: a `#` line in the test output. */
export function report(line: string): void {
  console.log(line);
}
