import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeadLetters, safeUtf8, short } from '../../src/app/dead-letter.js';
import type { Route } from '../../src/dispatch/router.js';
import { createMqttApp, MqttDefinitionError, silentLogger } from '../../src/index.js';
import { parsePattern } from '../../src/topic/index.js';

const never = () => Promise.reject(new Error('not sent in this test'));

describe('dead-letter options', () => {
  it('refuses an invalid app-wide dead-letter topic or QoS when the app is created', () => {
    assert.throws(
      () => createMqttApp({ logger: silentLogger, deadLetter: 'dead/#' }),
      (error: unknown) =>
        error instanceof MqttDefinitionError && /deadLetter: invalid dead-letter topic/.test(error.message),
    );
    assert.throws(
      () => createMqttApp({ logger: silentLogger, deadLetter: { topic: 'dead', qos: 3 as 0 } }),
      /dead-letter qos must be 0, 1 or 2, got 3/,
    );
  });

  it('names the handler whose @Topic deadLetter is invalid', () => {
    const letters = new DeadLetters(
      undefined,
      never,
      () => 5,
      () => {},
    );
    const route: Route = {
      handler: { name: 'Orders.create', invoke: () => undefined },
      pattern: parsePattern('orders'),
      subscription: undefined,
      ack: 'auto',
    };
    assert.throws(
      () => letters.set(route, { topic: '' }),
      (error: unknown) =>
        error instanceof MqttDefinitionError &&
        /^Orders\.create: invalid dead-letter topic/.test(error.message),
    );
  });

  it('makes error text safe for a user property', () => {
    assert.equal(safeUtf8('a\u0000b\u001fc\u007fd\u009fe'), 'a?b?c?d?e');
    assert.equal(safeUtf8('emoji 😀 ok'), 'emoji 😀 ok');
    assert.equal(safeUtf8('lone \ud800 and \udc00'), 'lone ? and ?');
    assert.equal(short('x'.repeat(600)).length, 500);
    assert.equal(short('first\nsecond'), 'first');
  });
});
