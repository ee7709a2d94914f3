import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IsInt, IsString, Min } from 'class-validator';
import type { IPublishPacket } from 'mqtt';
import {
  Ctx,
  DEAD_LETTER_PROPERTIES,
  type DeadLetterEnvelope,
  type MqttAppOptions,
  MqttContext,
  MqttController,
  MqttOptionError,
  Payload,
  PayloadValidationError,
  Topic,
} from '../../../src/index.js';
import { brokerSuite } from '../../helpers/broker-suite.js';
import { Recorder } from '../../helpers/recorder.js';
import { targets } from '../../helpers/targets.js';
import { type CollectedMessage, collectMessages } from '../../helpers/wait.js';

class Order {
  @IsString() item!: string;
  @IsInt() @Min(1) quantity!: number;
}

class EndMarker {
  @IsString() end!: string;
}

/** Bytes that are not UTF-8 (and so not JSON). */
const BINARY = Buffer.from([0xff, 0xfe, 0x00, 0xc3, 0x28, 0x80, 0x7f]);

interface Failure {
  readonly error: Error;
  readonly topic: string | undefined;
}

for (const target of targets) {
  describe(`payloads on ${target.name}`, { skip: target.skip }, () => {
    const v5 = target.protocolVersion === 5;
    const suite = brokerSuite(target);
    const start = (options: MqttAppOptions) => suite.start(options);

    it('decodes each declared type, a DTO and a custom decoder', async () => {
      const seen = new Recorder<[string, unknown]>();
      @MqttController('decode')
      class Decode {
        @Topic('buffer', { qos: 1 })
        buffer(@Payload() body: Buffer) {
          seen.record(['buffer', body]);
        }
        @Topic('string', { qos: 1 })
        string(@Payload() body: string) {
          seen.record(['string', body]);
        }
        @Topic('number', { qos: 1 })
        number(@Payload() body: number) {
          seen.record(['number', body]);
        }
        @Topic('boolean', { qos: 1 })
        boolean(@Payload() body: boolean) {
          seen.record(['boolean', body]);
        }
        @Topic('object', { qos: 1 })
        object(@Payload() body: Record<string, unknown>) {
          seen.record(['object', body]);
        }
        @Topic('dto', { qos: 1 })
        dto(@Payload() body: Order) {
          seen.record(['dto', body instanceof Order ? { ...body } : 'not an Order']);
        }
        @Topic('custom', { qos: 1 })
        custom(
          @Payload({ decoder: (bytes, context) => `${context.contentType ?? 'none'}:${bytes.length}` })
          body: string,
          @Ctx() ctx: MqttContext,
        ) {
          seen.record(['custom', [body, ctx.contentType]]);
        }
      }
      await start({ controllers: [Decode] });
      const publishes: Array<[string, Buffer | string]> = [
        ['buffer', BINARY],
        ['string', 'héllo ✓'],
        ['number', '-12.5'],
        ['boolean', 'true'],
        ['object', '{"a":[1,null]}'],
        ['dto', '{"item":"tea","quantity":2}'],
      ];
      for (const [topic, payload] of publishes)
        await suite.publisher.publishAsync(`decode/${topic}`, payload, { qos: 1 });
      await suite.publisher.publishAsync('decode/custom', 'abc', {
        qos: 1,
        ...(v5 ? { properties: { contentType: 'text/csv' } } : {}),
      });
      const calls = new Map(await seen.waitFor(7));
      assert.deepEqual(calls.get('buffer'), BINARY);
      assert.equal(calls.get('string'), 'héllo ✓');
      assert.equal(calls.get('number'), -12.5);
      assert.equal(calls.get('boolean'), true);
      assert.deepEqual(calls.get('object'), { a: [1, null] });
      assert.deepEqual(calls.get('dto'), { item: 'tea', quantity: 2 });
      assert.deepEqual(calls.get('custom'), v5 ? ['text/csv:3', 'text/csv'] : ['none:3', undefined]);
    });

    it('encodes each type symmetrically: a round trip gives back equal bytes', async () => {
      const app = await start({});
      const cases: Array<[unknown, Buffer, string | undefined]> = [
        [{ a: 1, b: [true, null] }, Buffer.from('{"a":1,"b":[true,null]}'), 'application/json'],
        [[1, 'two'], Buffer.from('[1,"two"]'), 'application/json'],
        ['héllo ✓', Buffer.from('héllo ✓', 'utf8'), undefined],
        [BINARY, BINARY, undefined],
        [new Uint16Array([1, 0xffff]), Buffer.from([1, 0, 0xff, 0xff]), undefined],
        [new Uint8Array(BINARY).subarray(1, 3), BINARY.subarray(1, 3), undefined],
        [42.5, Buffer.from('42.5'), undefined],
        [false, Buffer.from('false'), undefined],
        [null, Buffer.alloc(0), undefined],
        [undefined, Buffer.alloc(0), undefined],
      ];
      await suite.publisher.subscribeAsync('encode/#', { qos: 1 });
      const received = collectMessages(suite.publisher, cases.length, 5000);
      for (const [i, [value]] of cases.entries()) await app.service.publish(`encode/${i}`, value, { qos: 1 });
      const byTopic = new Map((await received).map((m) => [m.topic, m]));
      for (const [i, [value, bytes, contentType]] of cases.entries()) {
        const message = byTopic.get(`encode/${i}`)!;
        assert.deepEqual(message.payload, bytes, `payload of ${String(value)}`);
        assert.equal(message.packet.properties?.contentType, v5 ? contentType : undefined);
      }
      await suite.publisher.unsubscribeAsync('encode/#');
    });

    it('passes MQTT 5 publish properties through (and refuses them on 3.1.1)', async () => {
      const app = await start({});
      const properties = {
        userProperties: { trace: 'abc', tags: ['x', 'y'] },
        messageExpiryInterval: 120,
        contentType: 'application/vnd.order+json',
        responseTopic: 'props/reply',
        correlationData: Buffer.from([1, 2, 3]),
      };
      if (!v5) {
        await assert.rejects(app.service.publish('props/t', { a: 1 }, { properties }), /need MQTT 5/);
        return;
      }
      await suite.publisher.subscribeAsync('props/t', { qos: 1 });
      const received = collectMessages(suite.publisher, 1, 5000);
      await app.service.publish('props/t', { a: 1 }, { qos: 1, properties });
      const [message] = (await received) as [CollectedMessage];
      const got = message.packet.properties!;
      assert.deepEqual({ ...got.userProperties }, properties.userProperties);
      assert.equal(got.contentType, properties.contentType);
      assert.equal(got.responseTopic, properties.responseTopic);
      assert.deepEqual(got.correlationData, properties.correlationData);
      assert.ok(got.messageExpiryInterval! > 0 && got.messageExpiryInterval! <= 120);
      // A control character would make Mosquitto drop the connection (and mqtt.js resend forever).
      await assert.rejects(
        app.service.publish('props/t', 'x', { qos: 1, properties: { userProperties: { note: 'a\u0001b' } } }),
        (error: unknown) =>
          error instanceof MqttOptionError &&
          error.option === 'properties.userProperties["note"]' &&
          /without control characters/.test(error.message),
      );
      await assert.rejects(
        app.service.publish('props/t', 'x', { properties: { responseTopic: 'replies/#' } }),
        /properties\.responseTopic must be a valid topic name/,
      );
      const again = collectMessages(suite.publisher, 1, 5000);
      await app.service.publish('props/t', 'still connected', { qos: 1 });
      assert.equal((await again)[0]!.payload.toString(), 'still connected');
      await suite.publisher.unsubscribeAsync('props/t');
    });

    it('validates DTOs: a bad payload reaches onError, never the handler, and is acknowledged', async () => {
      const handled = new Recorder<Order>();
      const errors = new Recorder<Failure>();
      @MqttController('orders')
      class Orders {
        @Topic('new', { qos: 1, ack: 'after-handler' })
        create(@Payload({ whitelist: true, forbidNonWhitelisted: true }) order: Order) {
          handled.record(order);
        }
      }
      const clientId = `payloads-ack-${target.protocolVersion ?? 'x'}-${Date.now()}`;
      const session = { clientId, clean: false, ...(v5 ? { sessionExpiryInterval: 60 } : {}) };
      const first = await start({
        controllers: [Orders],
        ...session,
        onError: (error, ctx) => errors.record({ error, topic: ctx?.topic }),
      });
      const bad = [
        '{"item":"tea","quantity":0}',
        '{"item":"tea","quantity":1,"price":3}',
        '{"item":',
        '[1,2]',
        BINARY,
      ];
      for (const payload of bad) await suite.publisher.publishAsync('orders/new', payload, { qos: 1 });
      await suite.publisher.publishAsync('orders/new', '{"item":"tea","quantity":1}', { qos: 1 });
      await handled.waitFor(1);
      await errors.waitFor(bad.length);
      assert.equal(handled.count, 1);
      assert.ok(handled.calls[0] instanceof Order);
      const failures = errors.calls.map((f) => f.error);
      for (const error of failures) {
        assert.ok(error instanceof PayloadValidationError);
        assert.equal(error.topic, 'orders/new');
        assert.equal(error.handler, 'Orders.create');
      }
      const constraints = failures.map((e) => (e as PayloadValidationError).constraints);
      assert.deepEqual(constraints[0], ['quantity: quantity must not be less than 1']);
      assert.deepEqual(constraints[1], ['price: property price should not exist']);
      assert.match(constraints[2]![0]!, /^payload is not valid JSON/);
      assert.deepEqual(constraints[3], ['payload is JSON array, Order needs an object']);
      assert.match(failures[0]!.message, /Invalid payload on "orders\/new" for Orders\.create: quantity/);

      // Acknowledged: a new app on the same session gets no redelivery, only what came since.
      await first.stop();
      await suite.publisher.publishAsync('orders/new', '{"item":"cake","quantity":3}', { qos: 1 });
      const later = new Recorder<Failure>();
      handled.calls.length = 0;
      await start({
        controllers: [Orders],
        ...session,
        onError: (error, ctx) => later.record({ error, topic: ctx?.topic }),
      });
      await handled.waitFor(1);
      assert.deepEqual({ ...handled.calls[0]! }, { item: 'cake', quantity: 3 });
      assert.equal(later.count, 0);
    });

    it('sends bad payloads to the dead-letter topic, once, and never dead-letters a dead letter', async () => {
      const errors = new Recorder<Failure>();
      const handled = new Recorder<string>();
      @MqttController('dl')
      class DeadLettered {
        @Topic('app', { qos: 1 })
        app(@Payload() _order: Order) {
          handled.record('app');
        }
        @Topic('app', { qos: 1 })
        second(@Payload() _order: Order) {
          handled.record('second');
        }
        @Topic('special', { qos: 1, deadLetter: { topic: 'dead/special', qos: 1 } })
        special(@Payload() _order: Order) {
          handled.record('special');
        }
        @Topic('none', { qos: 1, deadLetter: false })
        none(@Payload() _order: Order) {
          handled.record('none');
        }
        @Topic('throws', { qos: 1, deadLetter: { topic: 'dead/errors', handlerErrors: true } })
        throws(@Payload() _order: Order) {
          throw new Error('out of stock');
        }
      }
      /** Listens to the dead letters themselves, with a DTO they do not fit. */
      @MqttController('dead')
      class Dead {
        @Topic('#', { qos: 1 })
        dead(@Payload() _end: EndMarker) {
          handled.record('dead');
        }
      }
      const app = await start({
        controllers: [DeadLettered, Dead],
        deadLetter: 'dead/letters',
        onError: (error, ctx) => errors.record({ error, topic: ctx?.topic }),
      });
      const received = new Recorder<CollectedMessage>();
      const collect = (topic: string, payload: Buffer, packet: IPublishPacket) =>
        received.record({ topic, payload, packet });
      suite.publisher.on('message', collect);
      await suite.publisher.subscribeAsync('dead/#', { qos: 1 });
      await suite.publisher.publishAsync('dl/app', BINARY, {
        qos: 1,
        ...(v5 ? { properties: { contentType: 'x/bin' } } : {}),
      });
      await suite.publisher.publishAsync('dl/none', 'nope', { qos: 1 });
      await suite.publisher.publishAsync('dl/special', '{"item":"tea"}', { qos: 1 });
      await suite.publisher.publishAsync('dl/throws', '{"item":"tea","quantity":1}', { qos: 1 });
      await received.waitFor(3);
      // two handlers failed on dl/app (+ dl/none, dl/special, dl/throws), then the handler of
      // dead/# failed on each of the three dead letters: 8 errors, and no further dead letter.
      await errors.waitFor(8);
      // Published by the app after it handled every dead letter: any dead letter of a dead
      // letter would have been sent before it, by the same client.
      await app.service.publish('dead/end', { end: 'yes' }, { qos: 1 });
      await received.waitFor(4);
      suite.publisher.off('message', collect);
      assert.equal(
        received.calls[3]!.topic,
        'dead/end',
        'no dead letter of a dead letter came before the end marker',
      );
      const letters = new Map(received.calls.slice(0, 3).map((m) => [m.topic, m]));
      await handled.waitFor(1);
      assert.deepEqual(handled.calls, ['dead']);
      assert.equal(errors.count, 8);
      assert.deepEqual([...letters.keys()].sort(), ['dead/errors', 'dead/letters', 'dead/special']);

      const letter = letters.get('dead/letters')!;
      const special = letters.get('dead/special')!;
      if (v5) {
        assert.deepEqual(letter.payload, BINARY);
        const props = letter.packet.properties!;
        assert.equal(props.contentType, 'x/bin');
        const user = props.userProperties!;
        assert.equal(user[DEAD_LETTER_PROPERTIES.topic], 'dl/app');
        assert.equal(user[DEAD_LETTER_PROPERTIES.handler], 'DeadLettered.app');
        assert.equal(user[DEAD_LETTER_PROPERTIES.code], 'ERR_MQTT_PAYLOAD');
        assert.match(String(user[DEAD_LETTER_PROPERTIES.error]), /payload is not valid JSON/);
        assert.deepEqual(special.payload, Buffer.from('{"item":"tea"}'));
        assert.deepEqual(special.packet.properties!.userProperties![DEAD_LETTER_PROPERTIES.constraint], [
          'quantity: quantity must not be less than 1',
          'quantity: quantity must be an integer number',
        ]);
        const thrown = letters.get('dead/errors')!.packet.properties!.userProperties!;
        assert.equal(thrown[DEAD_LETTER_PROPERTIES.error], 'out of stock');
        assert.equal(thrown[DEAD_LETTER_PROPERTIES.code], 'ERR_MQTT_HANDLER');
      } else {
        const envelope = JSON.parse(letter.payload.toString()) as DeadLetterEnvelope;
        assert.deepEqual(Buffer.from(envelope.payload, 'base64'), BINARY);
        assert.equal(envelope.deadLetter.topic, 'dl/app');
        assert.equal(envelope.deadLetter.handler, 'DeadLettered.app');
        assert.equal(envelope.deadLetter.code, 'ERR_MQTT_PAYLOAD');
        assert.match(envelope.deadLetter.error, /payload is not valid JSON/);
        const specialEnvelope = JSON.parse(special.payload.toString()) as DeadLetterEnvelope;
        assert.equal(Buffer.from(specialEnvelope.payload, 'base64').toString(), '{"item":"tea"}');
        assert.deepEqual(specialEnvelope.deadLetter.constraints, [
          'quantity: quantity must not be less than 1',
          'quantity: quantity must be an integer number',
        ]);
        const thrown = JSON.parse(letters.get('dead/errors')!.payload.toString()) as DeadLetterEnvelope;
        assert.equal(thrown.deadLetter.error, 'out of stock');
      }
      await suite.publisher.unsubscribeAsync('dead/#');
    });
  });
}
