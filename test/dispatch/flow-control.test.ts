import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { IPublishPacket } from 'mqtt';
import type { AckTransport } from '../../src/dispatch/acks.js';
import type { MqttContext } from '../../src/dispatch/context.js';
import { Dispatcher, type DispatcherOptions, HANDLER_FAILED } from '../../src/dispatch/dispatcher.js';
import { compileFunction } from '../../src/dispatch/handler.js';
import { Hooks } from '../../src/dispatch/hooks.js';
import { Router } from '../../src/dispatch/router.js';
import { MqttHandlerTimeoutError } from '../../src/errors.js';
import type { AckMode } from '../../src/metadata/types.js';
import { parsePattern } from '../../src/topic/index.js';
import { deferred, waitFor } from '../helpers/wait.js';

/** Records the acks the dispatcher sends, as the connection would send them. */
class FakeTransport implements AckTransport {
  generation = 0;
  readonly sent: Array<[number, number]> = [];
  ack(packet: IPublishPacket, reasonCode: number): void {
    this.sent.push([packet.messageId!, reasonCode]);
  }
}

interface RouteSpec {
  readonly filter: string;
  readonly handler: (ctx: MqttContext) => unknown;
  readonly ack?: AckMode;
  readonly concurrency?: number;
  readonly handlerTimeout?: number;
}

function setup(routes: RouteSpec[], options: Partial<DispatcherOptions> = {}) {
  const transport = new FakeTransport();
  const errors: Array<[Error, string | undefined, string | undefined]> = [];
  const hooks = new Hooks((error) => {
    throw error;
  });
  hooks.add('error', (error, ctx) => {
    errors.push([error, ctx?.topic, ctx?.handler]);
  });
  const router = new Router();
  const dispatcher = new Dispatcher(router, hooks, {
    maxInFlight: Number.POSITIVE_INFINITY,
    acks: transport,
    ...options,
  });
  for (const spec of routes) {
    router.add({
      handler: compileFunction(spec.handler, spec.filter),
      pattern: parsePattern(spec.filter),
      subscription: undefined,
      ack: spec.ack ?? 'auto',
      lane: dispatcher.laneFor(spec.concurrency, spec.handlerTimeout),
    });
  }
  /** mqtt.js's side: each packet's callback, with what it was called with ('ack' when mqtt.js would ack). */
  const callbacks: Array<'ack' | 'later' | 'pending'> = [];
  /** `next`: called inside mqtt.js's callback, as mqtt.js reads the next packet then. */
  const deliver = (
    topic: string,
    qos: 0 | 1 | 2,
    messageId?: number,
    next?: () => void,
    copy: { payload?: string; dup?: boolean } = {},
  ) => {
    const i = callbacks.push('pending') - 1;
    const packet = {
      cmd: 'publish',
      topic,
      payload: Buffer.from(copy.payload ?? String(messageId ?? i)),
      qos,
      dup: copy.dup ?? false,
      retain: false,
      messageId,
    } as IPublishPacket;
    dispatcher.onPacket(packet, (error) => {
      callbacks[i] = error ? 'later' : 'ack';
      next?.();
    });
    return i;
  };
  return { dispatcher, hooks, transport, errors, callbacks, deliver };
}

/** A handler whose runs wait for `release()`; counts what runs at once. */
function gatedHandler() {
  const gates: Array<() => void> = [];
  const state = { running: 0, peak: 0, started: [] as string[] };
  const handler = async (ctx: MqttContext) => {
    state.running++;
    state.peak = Math.max(state.peak, state.running);
    state.started.push(ctx.text());
    const gate = deferred();
    gates.push(gate.resolve);
    await gate.promise;
    state.running--;
  };
  const releaseOne = () => gates.shift()?.();
  const releaseAll = () => {
    for (const gate of gates.splice(0)) gate();
  };
  return { handler, state, releaseOne, releaseAll };
}

/** The one error reported is a 30 ms `handlerTimeout` of `handler` on `topic`, with the context the run had. */
function assertTimedOut(
  errors: ReadonlyArray<[Error, string | undefined, string | undefined]>,
  expected: { handler: string; topic: string; ranAs: string },
): void {
  assert.equal(errors.length, 1);
  const [error, topic, handler] = errors[0]!;
  assert.ok(error instanceof MqttHandlerTimeoutError, String(error));
  assert.equal(error.handler, expected.handler);
  assert.equal(error.topic, expected.topic);
  assert.equal(error.timeoutMs, 30);
  assert.equal(topic, expected.topic);
  assert.equal(handler, expected.ranAs);
}

/** After one timeout, the slot is free, and the hung run settling late reports and acks nothing more. */
async function assertLateSettlementIgnored(
  dispatcher: Dispatcher,
  hung: { resolve(): void },
  errors: readonly unknown[],
  transport: FakeTransport,
): Promise<void> {
  assert.equal(dispatcher.stats.timeouts, 1);
  assert.equal(dispatcher.inFlight, 0);
  const sent = transport.sent.length;
  hung.resolve();
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(errors.length, 1);
  assert.equal(transport.sent.length, sent);
}

describe('Dispatcher flow control', () => {
  it('calls mqtt.js back at once while maxInFlight runs are busy, and never runs more', async () => {
    const gated = gatedHandler();
    const { dispatcher, transport, callbacks, deliver } = setup(
      [{ filter: 'a/+', handler: gated.handler, ack: 'after-handler' }],
      { maxInFlight: 2 },
    );
    for (let id = 1; id <= 6; id++) deliver('a/x', 1, id);
    assert.deepEqual(callbacks, Array(6).fill('later'), 'every packet handed back to mqtt.js at once');
    assert.equal(dispatcher.inFlight, 2);
    assert.equal(dispatcher.queued, 4);
    assert.equal(gated.state.started.length, 2);
    while (gated.state.started.length < 6 || gated.state.running > 0) {
      gated.releaseOne();
      await new Promise((resolve) => setImmediate(resolve));
    }
    assert.equal(gated.state.peak, 2);
    assert.deepEqual(
      transport.sent.map(([id]) => id),
      [1, 2, 3, 4, 5, 6],
      'acked once handled, in arrival order',
    );
    assert.equal(dispatcher.queued, 0);
  });

  it('auto acks of queued messages wait until their handler starts; one run at once is acked at once', async () => {
    const gated = gatedHandler();
    const { transport, callbacks, deliver } = setup([{ filter: 'a', handler: gated.handler }], {
      maxInFlight: 1,
    });
    deliver('a', 1, 1);
    deliver('a', 1, 2);
    // QoS 1 PUBACKs are ours (the connection writes a turn's PUBACKs at once), never mqtt.js's.
    assert.deepEqual(callbacks, ['later', 'later']);
    assert.deepEqual(transport.sent, [[1, 0]]);
    gated.releaseOne();
    await waitFor(() => transport.sent.length === 2, { timeout: 1000, message: 'second ack' });
    assert.deepEqual(transport.sent, [
      [1, 0],
      [2, 0],
    ]);
    assert.deepEqual(gated.state.started, ['1', '2']);
    gated.releaseAll();
  });

  it('a redelivered copy of a message still running joins it: one run, acked on the new connection', async () => {
    const gated = gatedHandler();
    const { dispatcher, transport, callbacks, deliver } = setup(
      [{ filter: 'a', handler: gated.handler, ack: 'after-handler' }],
      { maxInFlight: 4 },
    );
    deliver('a', 1, 7);
    transport.generation++; // the connection dropped; the broker kept the session
    dispatcher.connected(true);
    deliver('a', 1, 7); // its redelivery
    assert.deepEqual(callbacks, ['later', 'later']);
    assert.equal(gated.state.started.length, 1, 'no second run');
    assert.equal(dispatcher.stats.redeliveries, 1);
    gated.releaseAll();
    await waitFor(() => transport.sent.length === 1, { timeout: 1000, message: 'ack of the copy' });
    assert.deepEqual(transport.sent, [[7, 0]]);
    assert.equal(gated.state.started.length, 1);
  });

  it('a copy of a message handled to the end after its connection closed is acked with its outcome, not run again', async () => {
    for (const fails of [false, true]) {
      const runs: string[] = [];
      const gate = deferred();
      const { dispatcher, transport, callbacks, deliver } = setup([
        {
          filter: 'a',
          ack: 'after-handler',
          handler: async (ctx) => {
            runs.push(ctx.text());
            await gate.promise;
            if (fails) throw new Error('handler failed');
          },
        },
      ]);
      deliver('a', 1, 7, undefined, { payload: 'slow' });
      transport.generation++; // the connection dropped; its ack can no longer be sent
      gate.resolve();
      await waitFor(() => dispatcher.inFlight === 0, { timeout: 1000, message: 'the run settled' });
      assert.deepEqual(transport.sent, [], 'nothing sent for the closed connection');
      dispatcher.connected(true); // the session was kept: the broker resends it first thing
      deliver('a', 1, 7, undefined, { payload: 'slow', dup: true });
      assert.deepEqual(runs, ['slow'], 'one run');
      assert.deepEqual(callbacks, ['later', 'later']);
      assert.deepEqual(transport.sent, [[7, fails ? HANDLER_FAILED : 0]], 'the copy acked with the outcome');
      assert.equal(dispatcher.stats.redeliveries, 1);
      deliver('a', 1, 7, undefined, { payload: 'slow' }); // the identifier again: a new message now
      assert.deepEqual(runs, ['slow', 'slow']);
    }
  });

  it('forgets a handled message whose copy did not come within two reconnections', async () => {
    const gated = gatedHandler();
    const { dispatcher, transport, deliver } = setup([
      { filter: 'a', handler: gated.handler, ack: 'after-handler' },
    ]);
    deliver('a', 1, 3, undefined, { payload: 'p' });
    transport.generation++;
    gated.releaseAll();
    await waitFor(() => dispatcher.inFlight === 0, { timeout: 1000, message: 'the run settled' });
    dispatcher.connected(true);
    transport.generation++;
    dispatcher.connected(true);
    deliver('a', 1, 3, undefined, { payload: 'p', dup: true });
    assert.deepEqual(gated.state.started, ['p', 'p'], 'no longer taken for a copy');
    assert.equal(dispatcher.stats.redeliveries, 0);
    gated.releaseAll();
  });

  it('a copy resent under a new identifier (RabbitMQ renumbers after a reconnect) joins by DUP, topic and payload', async () => {
    const gated = gatedHandler();
    const { dispatcher, transport, callbacks, deliver } = setup(
      [{ filter: 'a', handler: gated.handler, ack: 'after-handler' }],
      { maxInFlight: 4 },
    );
    deliver('a', 1, 4402, undefined, { payload: 'slow' });
    transport.generation++;
    dispatcher.connected(true);
    deliver('a', 1, 1, undefined, { payload: 'slow', dup: true });
    assert.deepEqual(callbacks, ['later', 'later']);
    assert.deepEqual(gated.state.started, ['slow'], 'no second run');
    assert.equal(dispatcher.stats.redeliveries, 1);
    gated.releaseAll();
    await waitFor(() => transport.sent.length === 1, { timeout: 1000, message: 'ack of the copy' });
    assert.deepEqual(transport.sent, [[1, 0]], 'acked under the identifier of the new connection');
  });

  it('never joins a distinct message with the same topic and payload', () => {
    const gated = gatedHandler();
    const { dispatcher, transport, deliver } = setup([
      { filter: 'a', handler: gated.handler, ack: 'after-handler' },
    ]);
    deliver('a', 1, 1, undefined, { payload: 'x' });
    deliver('a', 1, 2, undefined, { payload: 'x' }); // same connection: a second message
    transport.generation++;
    dispatcher.connected(true);
    deliver('a', 1, 9, undefined, { payload: 'x' }); // no DUP: a new message, not a resend
    deliver('a', 1, 10, undefined, { payload: 'x', dup: true }); // resends of 1 and 2: one each
    deliver('a', 1, 11, undefined, { payload: 'x', dup: true });
    deliver('a', 0, undefined, undefined, { payload: 'x', dup: true }); // QoS 0 never joins
    assert.deepEqual(gated.state.started, ['x', 'x', 'x', 'x']);
    assert.equal(dispatcher.stats.redeliveries, 2);
    deliver('a', 1, 12, undefined, { payload: 'x', dup: true }); // a third resend: nothing left to join
    assert.equal(gated.state.started.length, 5);
    gated.releaseAll();
  });

  it('an identifier reused by a renumbering broker for a new message does not join the earlier one', () => {
    const gated = gatedHandler();
    const { dispatcher, transport, deliver } = setup([
      { filter: 'a', handler: gated.handler, ack: 'after-handler' },
    ]);
    deliver('a', 1, 1, undefined, { payload: 'p' });
    deliver('a', 1, 2, undefined, { payload: 'q' });
    transport.generation++;
    dispatcher.connected(true);
    deliver('a', 1, 1, undefined, { payload: 'q', dup: true }); // resends, numbered afresh
    deliver('a', 1, 2, undefined, { payload: 'p', dup: true });
    assert.equal(dispatcher.stats.redeliveries, 2);
    deliver('a', 1, 3, undefined, { payload: 'p' }); // new messages
    deliver('a', 1, 1, undefined, { payload: 'p' });
    assert.deepEqual(gated.state.started, ['p', 'q', 'p', 'p']);
    assert.equal(dispatcher.stats.redeliveries, 2);
    gated.releaseAll();
  });

  it('forgets packet identifiers when a connection starts without the session', () => {
    const gated = gatedHandler();
    const { dispatcher, deliver } = setup([{ filter: 'a', handler: gated.handler, ack: 'after-handler' }]);
    deliver('a', 1, 7);
    dispatcher.connected(false);
    deliver('a', 1, 7); // a new message that reuses the identifier
    assert.equal(gated.state.started.length, 2);
    gated.releaseAll();
  });

  it('handlerTimeout fails a run with MqttHandlerTimeoutError, frees its slot and acks it as failed', async () => {
    const hung = deferred();
    const seen: string[] = [];
    const { dispatcher, transport, errors, deliver } = setup(
      [
        {
          filter: 'slow',
          handler: () => hung.promise,
          ack: 'after-handler',
          handlerTimeout: 30,
        },
        {
          filter: 'fast',
          handler: (ctx) => {
            seen.push(ctx.text());
          },
          ack: 'after-handler',
        },
      ],
      { maxInFlight: 1 },
    );
    deliver('slow', 1, 1);
    deliver('fast', 1, 2);
    assert.equal(dispatcher.inFlight, 1);
    assert.deepEqual(seen, []);
    await waitFor(() => transport.sent.length === 2, { timeout: 2000, message: 'both acked' });
    assert.deepEqual(transport.sent, [
      [1, HANDLER_FAILED],
      [2, 0],
    ]);
    assert.deepEqual(seen, ['2']);
    assertTimedOut(errors, { handler: 'slow', topic: 'slow', ranAs: 'slow' });
    assert.match(errors[0]![0].message, /slow.*30 ms/);
    await assertLateSettlementIgnored(dispatcher, hung, errors, transport);
  });

  it('the app-wide handlerTimeout bounds the @OnMessage hooks too: reported, slot freed, the message not failed', async () => {
    const hung = deferred();
    const seen: string[] = [];
    const { dispatcher, hooks, transport, errors, deliver } = setup(
      [
        {
          filter: 'fast',
          handler: (ctx) => {
            seen.push(ctx.text());
          },
          ack: 'after-handler',
        },
      ],
      { maxInFlight: 1, handlerTimeout: 30 },
    );
    hooks.add('message', () => hung.promise);
    deliver('nobody/listens', 1, 1); // no handler: the @OnMessage fallback runs, and hangs
    deliver('fast', 1, 2);
    assert.equal(dispatcher.inFlight, 1);
    assert.deepEqual(seen, [], "the one slot is the hung hook's");
    await waitFor(() => transport.sent.length === 2, { timeout: 2000, message: 'both acked' });
    assert.deepEqual(transport.sent, [
      [1, 0],
      [2, 0],
    ]);
    assert.deepEqual(seen, ['2']);
    assertTimedOut(errors, { handler: '@OnMessage', topic: 'nobody/listens', ranAs: 'OnMessage' });
    await assertLateSettlementIgnored(dispatcher, hung, errors, transport);
  });

  it('concurrency bounds one handler within the app-wide bound', async () => {
    const limited = gatedHandler();
    const free = gatedHandler();
    const { deliver } = setup(
      [
        { filter: 'limited', handler: limited.handler, concurrency: 2 },
        { filter: 'free', handler: free.handler },
      ],
      { maxInFlight: 5 },
    );
    for (let i = 0; i < 5; i++) deliver('limited', 0);
    for (let i = 0; i < 5; i++) deliver('free', 0);
    assert.equal(limited.state.running, 2);
    assert.equal(free.state.running, 3, 'the app-wide bound takes the rest');
    while (limited.state.started.length < 5 || free.state.started.length < 5) {
      limited.releaseOne();
      free.releaseOne();
      await new Promise((resolve) => setImmediate(resolve));
      assert.ok(limited.state.running + free.state.running <= 5);
    }
    assert.equal(limited.state.peak, 2);
    limited.releaseAll();
    free.releaseAll();
  });

  for (const overflow of ['drop-oldest', 'drop-newest'] as const) {
    it(`QoS 0 past maxQueued: ${overflow} keeps the queue bounded and counts the drops`, async () => {
      const gated = gatedHandler();
      const { dispatcher, callbacks, deliver } = setup([{ filter: 'q', handler: gated.handler }], {
        maxInFlight: 1,
        maxQueued: 3,
        overflow,
      });
      for (let i = 0; i < 10; i++) deliver('q', 0);
      assert.ok(callbacks.every((c) => c === 'ack'));
      assert.equal(dispatcher.queued, 3);
      assert.equal(dispatcher.stats.dropped, 6);
      while (gated.state.started.length < 4 || gated.state.running > 0) {
        gated.releaseOne();
        await new Promise((resolve) => setImmediate(resolve));
      }
      assert.deepEqual(
        gated.state.started,
        overflow === 'drop-oldest' ? ['0', '7', '8', '9'] : ['0', '1', '2', '3'],
      );
    });
  }

  it('past maxQueued QoS 1/2 messages, reading pauses until the queue shrinks', async () => {
    const gated = gatedHandler();
    const { dispatcher, callbacks, deliver } = setup(
      [{ filter: 'q', handler: gated.handler, ack: 'after-handler' }],
      { maxInFlight: 1, maxQueued: 2, pauseLimit: () => 60_000 },
    );
    for (let id = 1; id <= 4; id++) deliver('q', 1, id);
    assert.deepEqual(callbacks, ['later', 'later', 'later', 'pending'], 'the fourth is held: 3 queued > 2');
    assert.equal(dispatcher.paused, true);
    assert.equal(dispatcher.stats.pauses, 1);
    gated.releaseOne();
    await waitFor(() => callbacks[3] === 'later', { timeout: 1000, message: 'reading resumed' });
    assert.equal(dispatcher.paused, false);
    gated.releaseAll();
  });

  it('a read pause ends after its limit even if the queue is still long', async () => {
    const gated = gatedHandler();
    const { dispatcher, callbacks, deliver } = setup(
      [{ filter: 'q', handler: gated.handler, ack: 'after-handler' }],
      { maxInFlight: 1, maxQueued: 1, pauseLimit: () => 20 },
    );
    deliver('q', 1, 1);
    deliver('q', 1, 2);
    // Reading goes on after the pause, for as long as it paused, without pausing again: the
    // packet read right after it is taken at once.
    deliver('q', 1, 3, () => deliver('q', 1, 4));
    assert.equal(callbacks[2], 'pending');
    await waitFor(() => callbacks[3] === 'later', { timeout: 2000, message: 'pause limit' });
    assert.equal(callbacks[2], 'later');
    assert.equal(dispatcher.stats.pauses, 1);
    gated.releaseAll();
  });

  it("ordering 'per-topic' runs one handler's messages of a topic in order, topics concurrently", async () => {
    const gated = gatedHandler();
    const { deliver } = setup([{ filter: '+', handler: gated.handler }], { ordering: 'per-topic' });
    const ids = { a: [1, 2, 3], b: [4, 5] };
    for (const id of ids.a) deliver('a', 1, id);
    for (const id of ids.b) deliver('b', 1, id);
    assert.deepEqual(gated.state.started, ['1', '4']);
    while (gated.state.started.length < 5) {
      gated.releaseOne();
      await new Promise((resolve) => setImmediate(resolve));
    }
    assert.deepEqual(gated.state.started, ['1', '4', '2', '5', '3']);
    assert.equal(gated.state.peak, 2);
    gated.releaseAll();
  });

  it('runs a long backlog of synchronous handlers in a loop, not a deepening stack', async () => {
    const gated = gatedHandler();
    let count = 0;
    const { dispatcher, deliver } = setup(
      [
        { filter: 'gate', handler: gated.handler },
        {
          filter: 'sync',
          handler: () => {
            count++;
          },
        },
      ],
      { maxInFlight: 1, maxQueued: 200_000 },
    );
    deliver('gate', 0);
    for (let i = 0; i < 30_000; i++) deliver('sync', 0);
    assert.equal(dispatcher.queued, 30_000);
    gated.releaseOne();
    await waitFor(() => count === 30_000, { timeout: 5000, message: 'backlog handled' });
    assert.equal(dispatcher.queued, 0);
  });

  it('drain leaves queued QoS 1 messages unacknowledged and lets the acks of running ones out', async () => {
    const gated = gatedHandler();
    const { dispatcher, transport, deliver } = setup(
      [{ filter: 'q', handler: gated.handler, ack: 'after-handler' }],
      { maxInFlight: 1 },
    );
    deliver('q', 1, 1);
    deliver('q', 1, 2);
    deliver('q', 1, 3);
    const drained = dispatcher.drain(5000);
    assert.equal(dispatcher.queued, 0);
    gated.releaseOne();
    assert.equal(await drained, true);
    assert.deepEqual(transport.sent, [[1, 0]]);
    assert.deepEqual(gated.state.started, ['1']);
  });
});
