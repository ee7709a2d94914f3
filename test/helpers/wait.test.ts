import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import { freePort, freePorts } from './ports.js';
import { deferred, onceEvent, waitFor, withTimeout } from './wait.js';

describe('wait helpers', () => {
  it('waitFor resolves once the predicate holds, and names what it awaited on timeout', async () => {
    let polls = 0;
    await waitFor(() => ++polls >= 3, { timeout: 1000, interval: 1, message: 'three polls' });
    assert.equal(polls, 3);
    await assert.rejects(
      waitFor(async () => false, { timeout: 30, message: 'never' }),
      /never.*30 ms/,
    );
  });

  it('onceEvent resolves with the first argument, rejects on error or timeout', async () => {
    const emitter = new EventEmitter();
    const value = onceEvent<number>(emitter, 'data', 1000);
    emitter.emit('data', 42, 'ignored');
    assert.equal(await value, 42);
    const failed = onceEvent(emitter, 'data', 1000);
    emitter.emit('error', new Error('boom'));
    await assert.rejects(failed, /boom/);
    await assert.rejects(onceEvent(emitter, 'data', 10), /no 'data' event within 10 ms/);
    assert.equal(emitter.listenerCount('data') + emitter.listenerCount('error'), 0);
  });

  it('withTimeout passes results through and times out with the message', async () => {
    assert.equal(await withTimeout(Promise.resolve('ok'), 100, 'fast'), 'ok');
    await assert.rejects(withTimeout(deferred().promise, 10, 'slow'), /slow \(timed out after 10 ms\)/);
  });

  it('deferred exposes resolve and reject', async () => {
    const d = deferred<string>();
    d.resolve('done');
    assert.equal(await d.promise, 'done');
    const e = deferred();
    e.reject(new Error('no'));
    await assert.rejects(e.promise, /no/);
  });

  it('freePorts gives distinct ports that can be bound', async () => {
    const ports = await freePorts(5);
    assert.equal(new Set(ports).size, 5);
    assert.ok((await freePort()) > 0);
  });
});
