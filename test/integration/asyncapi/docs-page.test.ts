import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import type Koa from 'koa';
import type { Browser } from 'playwright-core';
import { MqttConfig } from '../../../src/index.js';
import { asyncApiErrors } from '../../helpers/asyncapi-parser.js';
import { chromiumSkipReason, launchChromium } from '../../helpers/chromium.js';

/** The compiled example app (`npm run build:example`): its Koa app serves the docs. */
const EXAMPLE_APP = join(import.meta.dirname, '..', '..', '..', 'example-app', 'src', 'app.js');
/** Screenshots are kept here, in the ignored build folder, after the run. */
const ARTIFACTS = join(import.meta.dirname, '..', '..', '..', 'artifacts');

describe("the example app's AsyncAPI docs page", () => {
  let server: Server;
  let base: string;

  before(async () => {
    assert.ok(existsSync(EXAMPLE_APP), `${EXAMPLE_APP} is missing: run npm run build:test`);
    const { createApp } = (await import(pathToFileURL(EXAMPLE_APP).href)) as {
      createApp(config: MqttConfig): { app: Koa };
    };
    // Never started: the docs need no broker (the URL is only documented).
    const { app } = createApp(MqttConfig.from({ url: 'mqtt://127.0.0.1:1884', protocolVersion: 4 }));
    server = createServer(app.callback());
    // Parsing a document takes seconds on a busy machine: longer than Node's 5 s keep-alive, and
    // fetch would then reuse a socket the server is closing ("fetch failed").
    server.keepAliveTimeout = 120_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('serves the document as JSON and YAML', async () => {
    const json = await fetch(`${base}/asyncapi.json`);
    assert.equal(json.status, 200);
    assert.match(json.headers.get('content-type') ?? '', /^application\/json/);
    assert.deepEqual(await asyncApiErrors(await json.text()), []);
    const yaml = await fetch(`${base}/asyncapi.yaml`);
    assert.match(yaml.headers.get('content-type') ?? '', /^application\/yaml/);
    assert.deepEqual(await asyncApiErrors(await yaml.text()), []);
  });

  it('serves the renderer from the installed package, and lets other routes through', async () => {
    const page = await (await fetch(`${base}/asyncapi`)).text();
    assert.match(page, /<script src="\/asyncapi\/assets\/asyncapi-react\.js">/);
    const script = await fetch(`${base}/asyncapi/assets/asyncapi-react.js`);
    assert.equal(script.status, 200);
    assert.match(script.headers.get('content-type') ?? '', /^text\/javascript/);
    assert.ok((await script.arrayBuffer()).byteLength > 100_000);
    assert.equal((await fetch(`${base}/asyncapi/assets/nothing.js`)).status, 404);
    assert.equal((await fetch(`${base}/health`)).status, 503); // the example's own route, MQTT not started
  });

  describe('in headless Chromium with the network cut off', { skip: chromiumSkipReason() }, () => {
    let browser: Browser;
    before(async () => {
      browser = await launchChromium();
    });
    after(() => browser?.close());

    it('shows the channel addresses and payload fields', async () => {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const refused: string[] = [];
      const errors: string[] = [];
      await page.route('**/*', (route) => {
        const url = new URL(route.request().url());
        if (url.hostname === '127.0.0.1' || url.hostname === 'localhost') return route.continue();
        refused.push(url.href);
        return route.abort('internetdisconnected');
      });
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(`${base}/asyncapi`, { waitUntil: 'load' });
      await page.getByText('sensors/{deviceId}/temperature').first().waitFor({ timeout: 30_000 });
      await page.getByText('alerts/{deviceId}/overheat').first().waitFor();
      // Schemas are folded: unfold them all, as a reader would (each button then says "Collapse all").
      // The page re-renders as it goes, so each step finds and clicks a button in one go inside
      // the page (found first and clicked after, a button relabelled in between was waited for
      // in vain), then waits until that button says something else or is gone.
      for (let clicks = 0; ; clicks++) {
        assert.ok(clicks < 50, '"Expand all" buttons keep coming');
        const handle = await page.evaluateHandle(`(() => {
          const button = [...document.querySelectorAll('button')].find(
            (candidate) => candidate.textContent.trim() === 'Expand all',
          );
          button?.click();
          return button ?? null;
        })()`);
        const clicked = handle.asElement();
        if (clicked === null) break;
        await page.waitForFunction((element) => {
          const button = element as { isConnected: boolean; textContent: string | null };
          return !button.isConnected || button.textContent?.trim() !== 'Expand all';
        }, clicked);
      }
      for (const field of ['celsius', 'source', 'threshold', 'deviceId']) {
        await page.getByText(field, { exact: true }).first().waitFor({ timeout: 10_000 });
      }
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'asyncapi-docs.png'), fullPage: true });
      await page.getByText('sensors/{deviceId}/temperature').first().scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(ARTIFACTS, 'asyncapi-docs-temperature.png') });
      assert.deepEqual(errors, []);
      assert.deepEqual(refused, [], 'the page asked for nothing beyond the app');
      await page.close();
    });
  });
});
