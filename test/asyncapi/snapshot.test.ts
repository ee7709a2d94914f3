import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { describeMqttApp } from '../../src/asyncapi/index.js';
import { createAsyncApiApp } from '../fixtures/asyncapi-app.js';
import { asyncApiErrors } from '../helpers/asyncapi-parser.js';

/** The committed expectation, in the source tree (tests run from .build/test/asyncapi). */
const SNAPSHOT = join(import.meta.dirname, '..', '..', '..', 'test', 'fixtures', 'asyncapi-snapshot.json');

describe('AsyncAPI document of an app with every supported shape', () => {
  const { document, warnings } = describeMqttApp(createAsyncApiApp(), {
    info: { title: 'Plant', version: '2.1.0' },
  });
  const text = `${JSON.stringify(document, null, 2)}\n`;

  it('equals the committed snapshot (UPDATE_SNAPSHOT=1 rewrites it)', () => {
    if (process.env.UPDATE_SNAPSHOT === '1') writeFileSync(SNAPSHOT, text);
    assert.ok(
      existsSync(SNAPSHOT),
      `${SNAPSHOT} is missing: run the test with UPDATE_SNAPSHOT=1 and review it`,
    );
    assert.equal(text, readFileSync(SNAPSHOT, 'utf8'));
  });

  it('passes @asyncapi/parser validation with no errors', async () => {
    assert.deepEqual(await asyncApiErrors(document), []);
  });

  it('reports what it cannot express instead of guessing', () => {
    const lines = warnings.map((w) => `${w.where}: ${w.message}`);
    assert.ok(lines.includes('ReadingDto.color: @IsHexColor'), lines.join('\n'));
    assert.ok(
      lines.some((l) => l.startsWith('ReadingDto.id: @IsUUID: UUID version 4')),
      lines.join('\n'),
    );
    const color = document.components.schemas.ReadingDto?.properties?.color;
    assert.deepEqual(color?.['x-koa-mqtt-unexpressed'], ['@IsHexColor']);
  });

  it('keeps credentials out of the servers', () => {
    assert.deepEqual(document.servers, {
      broker: { host: 'broker.example:1883', protocol: 'mqtt', protocolVersion: '5.0' },
    });
    assert.ok(!text.includes('secret') && !text.includes('user@'));
  });
});
