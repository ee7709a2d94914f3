import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Type } from 'class-transformer';
import { IsInt, IsNumber, IsString, Max, Min, ValidateNested } from 'class-validator';
import type { IPublishPacket } from 'mqtt';
import { short } from '../../src/app/dead-letter.js';
import { encodePayload, PayloadValidationError } from '../../src/index.js';
import {
  compilePayloadResolver,
  MAX_DEPTH,
  shapeProblem,
  validatorOptions,
} from '../../src/payload/decode.js';
import { loadDtoModules } from '../../src/payload/dto-modules.js';
import { InboundMessage } from '../../src/payload/message.js';

// What MqttApp.start() does before it compiles DTO handlers.
await loadDtoModules();

function message(payload: Buffer | string, properties?: IPublishPacket['properties']): InboundMessage {
  return new InboundMessage({
    cmd: 'publish',
    topic: 'sensors/a/temperature',
    payload: Buffer.from(payload),
    qos: 0,
    retain: false,
    dup: false,
    ...(properties ? { properties } : {}),
  });
}

function failure(fn: () => unknown): PayloadValidationError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof PayloadValidationError, `expected PayloadValidationError, got ${error}`);
    return error;
  }
  assert.fail('expected a PayloadValidationError');
}

class Reading {
  @IsNumber() celsius!: number;
  @IsString() unit!: string;
}

class Position {
  @IsInt() @Min(0) @Max(10) x!: number;
}

class Route {
  @ValidateNested() @Type(() => Position) from!: Position;
}

class Untyped {
  name?: string;
}

const decode = (type: unknown, payload: Buffer | string, options = {}, app: object | false = {}) =>
  compilePayloadResolver(type, options, app)(message(payload), 'Test.handler');

describe('payload decoding by declared type', () => {
  it('gives Buffer and Uint8Array the raw bytes, invalid UTF-8 included', () => {
    const bytes = Buffer.from([0xff, 0xfe, 0x00, 0x80]);
    assert.deepEqual(decode(Buffer, bytes), bytes);
    assert.deepEqual(decode(Uint8Array, bytes), bytes);
  });

  it('gives string UTF-8 text, number and boolean parsed from text', () => {
    assert.equal(decode(String, 'héllo ✓'), 'héllo ✓');
    assert.equal(decode(Number, ' 21.5 '), 21.5);
    assert.equal(decode(Boolean, 'TRUE'), true);
    assert.equal(decode(Boolean, '0'), false);
    assert.deepEqual(failure(() => decode(Number, 'warm')).constraints, [
      'payload (4 bytes) is not a finite number',
    ]);
    assert.match(failure(() => decode(Number, '')).message, /not a finite number/);
    assert.match(failure(() => decode(Boolean, 'yes')).message, /not a boolean/);
  });

  it('gives Object and Array JSON, and names bad JSON', () => {
    assert.deepEqual(decode(Object, '{"a":[1,2]}'), { a: [1, 2] });
    assert.deepEqual(decode(Array, '[1,2]'), [1, 2]);
    assert.match(failure(() => decode(Array, '{}')).message, /JSON object, not an array/);
    const bad = failure(() => decode(Object, '{"a":'));
    assert.equal(bad.topic, 'sensors/a/temperature');
    assert.equal(bad.handler, 'Test.handler');
    assert.equal(
      bad.message,
      'Invalid payload on "sensors/a/temperature" for Test.handler: payload is not valid JSON (unexpected end after 5 bytes)',
    );
    // the payload itself never appears in the error
    const secret = failure(() => decode(Object, 'secret-token'));
    assert.doesNotMatch(secret.message, /secret|token/);
    assert.deepEqual(secret.constraints, ['payload is not valid JSON (12 bytes)']);
    assert.deepEqual(failure(() => decode(Object, '')).constraints, [
      'payload is not valid JSON (empty payload)',
    ]);
    assert.equal(short('line one\u0000\u0085\ud800x\nline two'), 'line one???x');
  });

  it('turns a DTO into a validated instance and lists every failed constraint', () => {
    const value = decode(Reading, '{"celsius":21,"unit":"C"}');
    assert.ok(value instanceof Reading);
    assert.deepEqual({ ...value }, { celsius: 21, unit: 'C' });
    const bad = failure(() => decode(Reading, '{"celsius":"hot"}'));
    assert.deepEqual(bad.constraints, [
      'celsius: celsius must be a number conforming to the specified constraints',
      'unit: unit must be a string',
    ]);
    assert.match(failure(() => decode(Reading, '[1]')).message, /JSON array, Reading needs an object/);
    assert.match(failure(() => decode(Reading, 'null')).message, /JSON null, Reading needs an object/);
  });

  it('lists at most 20 constraints in the message, all of them in constraints', () => {
    const lines = Array.from({ length: 30 }, (_, i) => `c${i}`);
    const error = new PayloadValidationError('t', 'H.h', lines);
    assert.equal(error.constraints.length, 30);
    assert.match(error.message, /c19 \(and 10 more\)$/);
  });

  it('validates nested DTOs with dotted paths', () => {
    assert.ok(decode(Route, '{"from":{"x":3}}') instanceof Route);
    assert.deepEqual(failure(() => decode(Route, '{"from":{"x":11}}')).constraints, [
      'from.x: x must not be greater than 10',
    ]);
  });

  it('skips validation with validate: false or app validation false, unless the parameter asks', () => {
    assert.deepEqual(
      { ...(decode(Reading, '{"celsius":"hot"}', { validate: false }) as object) },
      { celsius: 'hot' },
    );
    assert.deepEqual({ ...(decode(Reading, '{"celsius":"hot"}', {}, false) as object) }, { celsius: 'hot' });
    failure(() => decode(Reading, '{"celsius":"hot"}', { validate: true }, false));
  });

  it('merges parameter options over the app default: whitelist and forbidNonWhitelisted', () => {
    const stripped = decode(Reading, '{"celsius":1,"unit":"C","extra":1}', { whitelist: true });
    assert.deepEqual({ ...(stripped as object) }, { celsius: 1, unit: 'C' });
    const kept = decode(Reading, '{"celsius":1,"unit":"C","extra":1}');
    assert.deepEqual({ ...(kept as object) }, { celsius: 1, unit: 'C', extra: 1 });
    const forbidden = failure(() =>
      decode(
        Reading,
        '{"celsius":1,"unit":"C","extra":1}',
        {},
        { whitelist: true, forbidNonWhitelisted: true },
      ),
    );
    assert.deepEqual(forbidden.constraints, ['extra: property extra should not exist']);
    // the parameter turns the app's forbidNonWhitelisted off again
    const relaxed = decode(
      Reading,
      '{"celsius":1,"unit":"C","extra":1}',
      { forbidNonWhitelisted: false },
      { whitelist: true, forbidNonWhitelisted: true },
    );
    assert.deepEqual({ ...(relaxed as object) }, { celsius: 1, unit: 'C' });
    assert.deepEqual(
      validatorOptions(Reading, { validate: { skipMissingProperties: true } }, { whitelist: true }),
      {
        forbidUnknownValues: true,
        whitelist: true,
        skipMissingProperties: true,
      },
    );
  });

  it('only transforms a class without class-validator decorators', () => {
    assert.equal(validatorOptions(Untyped, {}, {}), undefined);
    const value = decode(Untyped, '{"name":"x"}');
    assert.ok(value instanceof Untyped);
  });

  it('decodes once per message per type and options, even for several handlers', () => {
    const shared = message('{"celsius":1,"unit":"C","extra":true}');
    const plain = compilePayloadResolver(Reading, {}, {});
    const other = compilePayloadResolver(Reading, {}, {});
    const whitelisted = compilePayloadResolver(Reading, { whitelist: true }, {});
    const first = plain(shared, 'A.a');
    assert.equal(plain(shared, 'B.b'), first);
    assert.equal(other(shared, 'C.c'), first);
    const stripped = whitelisted(shared, 'D.d') as Record<string, unknown>;
    assert.equal(stripped.extra, undefined);
    assert.equal((first as Record<string, unknown>).extra, true);
  });

  it('caches any number of decoded forms per message, undefined included, each decoded once', () => {
    const shared = message('x');
    const calls = new Map<string, number>();
    const decode = (key: string, value: unknown) => () => {
      calls.set(key, (calls.get(key) ?? 0) + 1);
      return value;
    };
    const forms: Array<[string, unknown]> = [
      ['a', undefined],
      ['b', 2],
      ['c', 'three'],
      ['d', null],
    ];
    for (let round = 0; round < 3; round++)
      for (const [key, value] of forms) assert.equal(shared.decoded(key, decode(key, value)), value);
    assert.deepEqual([...calls.values()], [1, 1, 1, 1]);
  });

  it('rejects deep nesting before class-transformer recurses into it', () => {
    const depth = 100_000;
    const deep = `{"celsius":1,"unit":"C","n":${'['.repeat(depth)}${']'.repeat(depth)}}`;
    const bad = failure(() => decode(Reading, deep));
    assert.match(bad.message, new RegExp(`nests deeper than ${MAX_DEPTH} levels`));
    assert.equal(shapeProblem({ a: [{ b: 1 }] }, 3), undefined);
    assert.equal(shapeProblem({ a: [{ b: 1 }] }, 2), 'payload nests deeper than 2 levels');
    // just under the limit is accepted
    const ok = `{"celsius":1,"unit":"C","n":${'['.repeat(MAX_DEPTH - 1)}${']'.repeat(MAX_DEPTH - 1)}}`;
    assert.ok(decode(Reading, ok) instanceof Reading);
  });

  it('rejects a __proto__ key at any depth, which class-transformer would silently drop', () => {
    for (const payload of [
      '{"celsius":1,"unit":"C","__proto__":{"admin":true}}',
      '{"celsius":1,"unit":"C","n":[{"__proto__":{}}]}',
    ]) {
      assert.deepEqual(failure(() => decode(Reading, payload)).constraints, [
        'payload has a "__proto__" key',
      ]);
    }
    assert.equal(({} as Record<string, unknown>).admin, undefined);
  });

  it('runs a custom decoder with the MQTT 5 content type, once per message, and wraps its errors', () => {
    let calls = 0;
    const decoder = (payload: Buffer, context: { contentType: string | undefined }) => {
      calls++;
      if (context.contentType !== 'text/csv') throw new Error(`cannot read ${context.contentType}`);
      return payload.toString().split(',');
    };
    const resolve = compilePayloadResolver(String, { decoder }, {});
    const csv = message('a,b', { contentType: 'text/csv' });
    assert.deepEqual(resolve(csv, 'A.a'), ['a', 'b']);
    resolve(csv, 'B.b');
    assert.equal(calls, 1);
    const json = message('a,b', { contentType: 'application/json' });
    const bad = failure(() => resolve(json, 'A.a'));
    assert.deepEqual(bad.constraints, ['decoder failed: cannot read application/json']);
    // a failure is decoded once too, and reported under each handler's name
    const again = failure(() => resolve(json, 'B.b'));
    assert.equal(calls, 2);
    assert.equal(again.handler, 'B.b');
    assert.deepEqual(again.constraints, bad.constraints);
  });
});

describe('payload encoding', () => {
  it('is symmetric with decoding', () => {
    assert.deepEqual(encodePayload({ a: 1 }), { payload: '{"a":1}', contentType: 'application/json' });
    assert.deepEqual(encodePayload([1, 'x']), { payload: '[1,"x"]', contentType: 'application/json' });
    assert.deepEqual(encodePayload('héllo'), { payload: 'héllo', contentType: undefined });
    assert.deepEqual(encodePayload(21.5), { payload: '21.5', contentType: undefined });
    assert.deepEqual(encodePayload(false), { payload: 'false', contentType: undefined });
    assert.deepEqual(encodePayload(null).payload, Buffer.alloc(0));
    assert.deepEqual(encodePayload(undefined).payload, Buffer.alloc(0));
    const floats = new Float32Array([1.5, -2]);
    assert.deepEqual(encodePayload(floats.subarray(1)).payload, Buffer.from(floats.buffer, 4, 4));
    const raw = Buffer.from([0xff, 0x00]);
    assert.equal(encodePayload(raw).payload, raw);
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    assert.throws(
      () => encodePayload(cycle),
      /^MqttError: Cannot encode the payload as JSON: Converting circular/,
    );
    assert.throws(() => encodePayload({ n: 1n }), /Cannot encode the payload as JSON/);
    assert.throws(() => encodePayload(() => 1), /Cannot encode a function as a payload/);
    assert.throws(() => encodePayload(Symbol('s')), /Cannot encode a symbol as a payload/);
    assert.deepEqual(encodePayload(12n), { payload: '12', contentType: undefined });
    for (const value of [{ a: [1, { b: null }] }, 'text ✓', 42, true]) {
      const { payload } = encodePayload(value);
      const type = value.constructor;
      assert.deepEqual(decode(type, Buffer.from(payload)), value);
    }
  });
});
