import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { IPublishPacket } from 'mqtt';
import { AckQueue, type AckTransport } from '../../src/dispatch/acks.js';

class FakeTransport implements AckTransport {
  generation = 0;
  readonly sent: Array<[number, number]> = [];
  ack(packet: IPublishPacket, reasonCode: number): void {
    this.sent.push([packet.messageId!, reasonCode]);
  }
}

const packet = (messageId: number): IPublishPacket =>
  ({
    cmd: 'publish',
    topic: 't',
    payload: Buffer.alloc(0),
    qos: 1,
    dup: false,
    retain: false,
    messageId,
  }) as IPublishPacket;

describe('AckQueue', () => {
  it('acknowledges in arrival order whatever order messages settle in', () => {
    const transport = new FakeTransport();
    const queue = new AckQueue(transport);
    const tickets = [1, 2, 3, 4].map((id) => queue.enqueue(packet(id)));
    queue.settle(tickets[2]!);
    queue.settle(tickets[1]!, 0x80);
    assert.deepEqual(transport.sent, []);
    queue.settle(tickets[0]!);
    assert.deepEqual(transport.sent, [
      [1, 0],
      [2, 0x80],
      [3, 0],
    ]);
    assert.equal(queue.pending, 1);
    queue.settle(tickets[3]!);
    assert.equal(transport.sent.length, 4);
    assert.equal(queue.pending, 0);
  });

  it('drops the acks of a closed connection instead of sending them on the next one', () => {
    const transport = new FakeTransport();
    const queue = new AckQueue(transport);
    const old = queue.enqueue(packet(1));
    transport.generation++;
    assert.equal(queue.pending, 0);
    const fresh = queue.enqueue(packet(1));
    queue.settle(old);
    assert.deepEqual(transport.sent, []);
    queue.settle(fresh);
    assert.deepEqual(transport.sent, [[1, 0]]);
  });

  it('skips a ticket given up (no ack sent) without holding the acks behind it', () => {
    const transport = new FakeTransport();
    const queue = new AckQueue(transport);
    const [first, second] = [1, 2].map((id) => queue.enqueue(packet(id)));
    queue.settle(second!);
    assert.deepEqual(transport.sent, []);
    queue.skip(first!);
    assert.deepEqual(transport.sent, [[2, 0]]);
    assert.equal(queue.pending, 0);
  });

  it('keeps memory flat over many tickets', () => {
    const transport = new FakeTransport();
    const queue = new AckQueue(transport);
    const first = queue.enqueue(packet(0));
    for (let i = 1; i <= 5000; i++) queue.settle(queue.enqueue(packet(i)));
    assert.equal(queue.pending, 5001);
    queue.settle(first);
    assert.equal(queue.pending, 0);
    assert.equal(transport.sent.length, 5001);
    assert.deepEqual(
      transport.sent.slice(0, 3).map(([id]) => id),
      [0, 1, 2],
    );
  });
});
