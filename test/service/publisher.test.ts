import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IsString } from 'class-validator';
import {
  createMqttApp,
  MqttDefinitionError,
  MqttPublishError,
  type MqttService,
  silentLogger,
  type TopicParamsOf,
} from '../../src/index.js';

class NoteDto {
  @IsString() text!: string;
}

const service = (): MqttService => createMqttApp({ url: 'mqtt://127.0.0.1:1', logger: silentLogger }).service;

// Compile-time checks: this file builds only if the parameter and payload types are right.
type Expect<T extends true> = T;
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
export type ParamChecks = [
  Expect<Equal<TopicParamsOf<'a/+x/b/#rest'>, { readonly x: string; readonly rest: string }>>,
  Expect<Equal<TopicParamsOf<'$share/g/+id/#'>, { readonly id: string }>>,
  Expect<Equal<TopicParamsOf<'a/+/b'>, {}>>,
  Expect<Equal<TopicParamsOf<string>, Readonly<Record<string, string>>>>,
];
export function typedCalls(mqtt: MqttService): void {
  const notes = mqtt.publisher('notes/+user/#path', { payload: NoteDto });
  void notes.publish({ user: 'ann', path: 'a/b' }, { text: 'hi' });
  // @ts-expect-error the parameter `path` is missing
  void notes.publish({ user: 'ann' }, { text: 'hi' });
  // @ts-expect-error the payload is a NoteDto
  void notes.publish({ user: 'ann', path: '' }, { body: 'hi' });
  const plain = mqtt.publisher('status', { payload: String, retain: true });
  void plain.publish('up');
  // @ts-expect-error the payload is a string
  void plain.publish(42);
  const raw = mqtt.publisher('raw/+id', { payload: Buffer });
  void raw.publish({ id: 'x' }, Buffer.from('b'));
}

describe('MqttService.publisher', () => {
  it('fills named levels; #name takes several levels, or none', () => {
    const notes = service().publisher('notes/+user/#path', { payload: NoteDto });
    assert.equal(notes.topic({ user: 'ann', path: 'a/b' }), 'notes/ann/a/b');
    assert.equal(notes.topic({ user: 'ann', path: '' }), 'notes/ann');
  });

  it('refuses bad parameters with MqttPublishError naming the parameter, before anything is sent', async () => {
    const notes = service().publisher('notes/+user/#path');
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ path: 'x' }, /parameter "user" is missing/],
      [{ user: '', path: 'x' }, /parameter "user" is empty/],
      [{ user: 'a/b', path: 'x' }, /parameter "user" contains '\/'/],
      [{ user: 'a', path: 'x/#' }, /parameter "path" contains a wildcard/],
      [{ user: 3, path: 'x' }, /parameter "user" is a number, not a string/],
    ];
    for (const [params, message] of cases) {
      await assert.rejects(
        notes.publish(params as { user: string; path: string }, {}),
        (error: unknown) => error instanceof MqttPublishError && message.test(error.message),
      );
    }
  });

  it('rejects unnamed wildcards, $share patterns, bad QoS and a conflicting re-declaration', () => {
    const mqtt = service();
    assert.throws(() => mqtt.publisher('a/+/b'), MqttDefinitionError);
    assert.throws(() => mqtt.publisher('a/#'), /the wildcard level "#" has no name/);
    assert.throws(() => mqtt.publisher('$share/g/a/+x'), /\$share\/ pattern is a subscription/);
    assert.throws(() => mqtt.publisher('a/+x/#y/z'), MqttDefinitionError);
    assert.throws(() => mqtt.publisher('a', { qos: 3 as 0 }), /qos must be 0, 1 or 2, got 3/);
    const first = mqtt.publisher('alerts/+level', { qos: 1, payload: NoteDto });
    assert.equal(mqtt.publisher('alerts/+level', { qos: 1, payload: NoteDto }), first);
    assert.throws(() => mqtt.publisher('alerts/+level', { qos: 0 }), /already declared with other options/);
    assert.deepEqual(
      mqtt.publishers.map((p) => [p.source, p.qos, p.retain, p.payload]),
      [['alerts/+level', 1, false, NoteDto]],
    );
  });
});
