import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addObserver, type DispatchObserver, type Observable } from '../../src/dispatch/observer.js';
import type { Route } from '../../src/dispatch/router.js';
import type { InboundMessage } from '../../src/payload/message.js';

function recording(name: string, log: string[]): DispatchObserver {
  return {
    received: () => log.push(`${name}:received`),
    started: () => log.push(`${name}:started`),
    settled: (_route, _message, _ms, error) => log.push(`${name}:settled${error ? ':error' : ''}`),
  };
}

const route = {} as Route;
const message = {} as InboundMessage;

describe('dispatch observers', () => {
  it('are undefined until added, fan out to several, and go away when removed', () => {
    const target: Observable = { observer: undefined };
    const log: string[] = [];
    const a = recording('a', log);
    const removeA = addObserver(target, a);
    assert.equal(target.observer, a, 'one observer is called directly');
    const removeB = addObserver(target, recording('b', log));
    target.observer!.received(message);
    target.observer!.started(route, message);
    target.observer!.settled(route, message, 1, new Error('x'));
    assert.deepEqual(log, [
      'a:received',
      'b:received',
      'a:started',
      'b:started',
      'a:settled:error',
      'b:settled:error',
    ]);
    removeA();
    log.length = 0;
    target.observer!.received(message);
    assert.deepEqual(log, ['b:received']);
    removeB();
    assert.equal(target.observer, undefined, 'no observer: the dispatcher pays one check');
  });
});
