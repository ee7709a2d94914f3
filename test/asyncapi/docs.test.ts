import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import Koa from 'koa';
import { mqttDocs } from '../../src/asyncapi/index.js';
import { createAsyncApiApp } from '../fixtures/asyncapi-app.js';

async function serve(app: Koa): Promise<{ server: Server; base: string }> {
  const server = createServer(app.callback());
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('mqttDocs', () => {
  let server: Server;
  let base: string;
  const mqtt = createAsyncApiApp();

  before(async () => {
    const koa = new Koa();
    koa.use(mqttDocs(mqtt, { path: '/docs/mqtt/', renderer: false, info: { title: 'Plant <docs>' } }));
    koa.use((ctx) => {
      ctx.body = `fallthrough ${ctx.method} ${ctx.path}`;
    });
    ({ server, base } = await serve(koa));
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('serves the document under the given path, generated when asked (later publishers appear)', async () => {
    const before = (await (await fetch(`${base}/docs/mqtt.json`)).json()) as { operations: object };
    mqtt.service.publisher('plant/late', { payload: String });
    const after = (await (await fetch(`${base}/docs/mqtt.json`)).json()) as {
      info: { title: string };
      operations: object;
    };
    assert.equal(after.info.title, 'Plant <docs>');
    assert.deepEqual(
      Object.keys(after.operations).filter((k) => !(k in before.operations)),
      ['publish.plant.late'],
    );
    const yaml = await (await fetch(`${base}/docs/mqtt.yaml`)).text();
    assert.match(yaml, /^asyncapi: "3\.0\.0"\n/);
  });

  it('without the renderer: a plain page with operations, parameters and fields, HTML-escaped', async () => {
    const page = await (await fetch(`${base}/docs/mqtt`)).text();
    assert.ok(!page.includes('<script'), 'no script at all');
    assert.match(page, /<title>Plant &#60;docs&#62; 1\.0\.0<\/title>/);
    for (const text of [
      'plant/{site}/readings',
      'share group <code>workers</code>',
      'QoS 1',
      'answers MQTT 5 requests',
    ]) {
      assert.ok(page.includes(text), `page lacks ${text}`);
    }
    for (const field of [
      '<code>site</code>',
      '<code>geo</code> *',
      '<code>count</code></td>',
      'GeoDto',
      'Not expressed: @IsHexColor',
    ]) {
      assert.ok(page.includes(field), `page lacks ${field}`);
    }
  });

  it('lets other paths and methods through', async () => {
    assert.equal(await (await fetch(`${base}/docs/other`)).text(), 'fallthrough GET /docs/other');
    assert.equal(
      await (await fetch(`${base}/docs/mqtt.json`, { method: 'POST' })).text(),
      'fallthrough POST /docs/mqtt.json',
    );
    assert.equal(
      await (await fetch(`${base}/docs/mqtt/assets/x.js`)).text(),
      'fallthrough GET /docs/mqtt/assets/x.js',
    );
  });

  it('refuses a path without a leading slash', () => {
    assert.throws(() => mqttDocs(mqtt, { path: 'docs' }), /path must start with "\/", got "docs"/);
  });
});
