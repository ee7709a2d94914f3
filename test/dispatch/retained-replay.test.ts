import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MqttController, Payload, Topic } from '../../src/index.js';
import { createTestApp, MemoryBroker } from '../../src/testing/index.js';

/**
 * Retained replays without subscription identifiers (MQTT 3.1.1): the broker replays a retained
 * message once per matching filter of each SUBSCRIBE, with RETAIN set, and the copies cannot be
 * told apart. Each handler must get the replay of its own subscription once, and never again
 * because another filter (or its own, for another handler) was subscribed later.
 */
describe('retained replays on MQTT 3.1.1', () => {
  const seed = (broker: MemoryBroker, topic: string, payload: string) =>
    broker.publish(undefined, { topic, payload: Buffer.from(payload), qos: 1, retain: true });

  it('overlapping controller filters subscribed together: each handler gets the replay once', async (ctx) => {
    const broker = new MemoryBroker();
    seed(broker, 'home/kitchen/temp', '21');
    const runs: string[] = [];
    @MqttController('home')
    class Home {
      @Topic('#', { qos: 1 })
      all(@Payload() p: string) {
        runs.push(`all ${p}`);
      }
      @Topic('+room/temp', { qos: 1 })
      temp(@Payload() p: string) {
        runs.push(`temp ${p}`);
      }
      @Topic('kitchen/temp', { qos: 1 })
      kitchen(@Payload() p: string) {
        runs.push(`kitchen ${p}`);
      }
    }
    const t = await createTestApp({ protocolVersion: 4, broker, controllers: [Home] });
    ctx.after(() => t.stop());
    await t.settled();
    assert.deepEqual(runs.sort(), ['all 21', 'kitchen 21', 'temp 21']);
    const live = await t.publish('home/kitchen/temp', '22', { qos: 1 });
    assert.equal(live.runs.length, 3, 'a live message runs each handler once');
  });

  it('a runtime subscription overlapping an active one: only the new handler gets the replay', async (ctx) => {
    const broker = new MemoryBroker();
    seed(broker, 'a/b', 'kept');
    const t = await createTestApp({ protocolVersion: 4, broker });
    ctx.after(() => t.stop());
    const exact: string[] = [];
    const wide: string[] = [];
    const other: string[] = [];
    await t.service.subscribe('a/b', (c) => exact.push(c.text()), { qos: 1 });
    await t.settled();
    await t.service.subscribe('a/+', (c) => wide.push(c.text()), { qos: 1 });
    await t.settled();
    // The same filter for a second handler, at a higher QoS: sent again, replayed to the new one only.
    await t.service.subscribe('a/+', (c) => other.push(c.text()), { qos: 2 });
    await t.settled();
    assert.deepEqual({ exact, wide, other }, { exact: ['kept'], wide: ['kept'], other: ['kept'] });
    await t.publish('a/b', 'live', { qos: 1 });
    assert.deepEqual(
      { exact, wide, other },
      {
        exact: ['kept', 'live'],
        wide: ['kept', 'live'],
        other: ['kept', 'live'],
      },
    );
  });

  it('a message that became retained after a handler subscribed is not replayed to it by a later overlapping SUBSCRIBE', async (ctx) => {
    const broker = new MemoryBroker();
    seed(broker, 'a/b', 'kept');
    const t = await createTestApp({ protocolVersion: 4, broker });
    ctx.after(() => t.stop());
    const wide: string[] = [];
    const exact: string[] = [];
    await t.service.subscribe('a/+', (c) => wide.push(`${c.topic} ${c.text()}`), { qos: 1 });
    await t.settled();
    await t.publish('a/c', 'new', { qos: 1, retain: true }); // live: RETAIN cleared
    await t.service.subscribe('a/c', (c) => exact.push(`${c.topic} ${c.text()}`), { qos: 1 });
    await t.settled();
    assert.deepEqual({ wide, exact }, { wide: ['a/b kept', 'a/c new'], exact: ['a/c new'] });
    await t.publish('a/c', '', { qos: 1, retain: true });
  });

  it('a handler joining a filter already acknowledged, at the same QoS, gets no replay (nothing is sent)', async (ctx) => {
    const broker = new MemoryBroker();
    seed(broker, 'a/b', 'kept');
    const t = await createTestApp({ protocolVersion: 4, broker });
    ctx.after(() => t.stop());
    const first: string[] = [];
    const second: string[] = [];
    await t.service.subscribe('a/+', (c) => first.push(c.text()), { qos: 1 });
    await t.service.subscribe('a/+', (c) => second.push(c.text()), { qos: 1 });
    await t.settled();
    assert.deepEqual({ first, second }, { first: ['kept'], second: [] });
  });

  it('a live message published with retain reaches every handler (RETAIN cleared)', async (ctx) => {
    const t = await createTestApp({ protocolVersion: 4 });
    ctx.after(() => t.stop());
    const seen: Array<[string, boolean]> = [];
    await t.service.subscribe('x/+', (c) => seen.push([c.text(), c.retain]), { qos: 1 });
    await t.service.subscribe('x/y', (c) => seen.push([c.text(), c.retain]), { qos: 1 });
    await t.publish('x/y', 'v', { qos: 1, retain: true });
    assert.deepEqual(seen, [
      ['v', false],
      ['v', false],
    ]);
    await t.publish('x/y', '', { qos: 1, retain: true });
  });
});
