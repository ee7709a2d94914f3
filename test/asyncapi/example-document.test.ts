import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { type AsyncApiDocument, type AsyncApiSource, mqttAsyncApi } from '../../src/asyncapi/index.js';
import { asyncApiErrors } from '../helpers/asyncapi-parser.js';

/** The compiled example app's contract module (what `koa-mqtt-asyncapi` documents); `npm run build:example`. */
const CONTRACT = join(import.meta.dirname, '..', '..', 'example-app', 'src', 'contract.js');

describe("the example app's AsyncAPI document", () => {
  let document: AsyncApiDocument;

  before(async () => {
    assert.ok(existsSync(CONTRACT), `${CONTRACT} is missing: run npm run build:test`);
    const module = (await import(pathToFileURL(CONTRACT).href)) as { default: () => AsyncApiSource };
    document = mqttAsyncApi(module.default());
  });

  it('passes @asyncapi/parser validation with no errors', async () => {
    assert.deepEqual(await asyncApiErrors(document), []);
  });

  it('has the channel sensors/{deviceId}/temperature with its deviceId parameter', () => {
    const channel = Object.values(document.channels).find(
      (c) => c.address === 'sensors/{deviceId}/temperature',
    );
    assert.ok(
      channel,
      `channels: ${Object.values(document.channels)
        .map((c) => c.address)
        .join(', ')}`,
    );
    assert.deepEqual(Object.keys(channel.parameters ?? {}), ['deviceId']);
    assert.equal(channel['x-koa-mqtt-filter'], 'sensors/+/temperature');
  });

  it('has a receive operation with QoS 1 on that channel', () => {
    const receive = Object.values(document.operations).filter((o) => o.action === 'receive');
    const temperature = receive.find(
      (o) =>
        document.channels[o.channel.$ref.split('/').pop()!]?.address === 'sensors/{deviceId}/temperature',
    );
    assert.ok(temperature);
    assert.equal(temperature.bindings?.mqtt.qos, 1);
    assert.equal(temperature['x-koa-mqtt-handler'], 'SensorController.temperature');
  });

  it('describes TemperatureDto: a required number celsius', () => {
    const schema = document.components.schemas.TemperatureDto;
    assert.ok(schema);
    assert.ok(schema.required?.includes('celsius'));
    assert.equal(schema.properties?.celsius?.type, 'number');
    assert.equal(schema.properties?.celsius?.minimum, -273.15);
    assert.ok(!schema.required?.includes('source'));
  });

  it('lists the declared alert publisher as a send operation', () => {
    const send = Object.values(document.operations).filter((o) => o.action === 'send');
    assert.equal(send.length, 1);
    assert.equal(send[0]!.bindings?.mqtt.qos, 1);
    assert.equal(
      document.channels[send[0]!.channel.$ref.split('/').pop()!]?.address,
      'alerts/{deviceId}/overheat',
    );
  });
});
