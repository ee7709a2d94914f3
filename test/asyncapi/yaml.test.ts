import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mqttAsyncApi, toYaml } from '../../src/asyncapi/index.js';
import { createAsyncApiApp } from '../fixtures/asyncapi-app.js';
import { parsedJson } from '../helpers/asyncapi-parser.js';

describe('toYaml', () => {
  it('writes scalars that read back as the same values', () => {
    assert.equal(
      toYaml({ a: 'plain', b: 'true', c: '1.5', d: '', e: 'x: y', f: 3, g: false, h: null, i: [], j: {} }),
      'a: plain\nb: "true"\nc: "1.5"\nd: ""\ne: "x: y"\nf: 3\ng: false\nh: null\ni: []\nj: {}\n',
    );
  });

  it('nests sequences of mappings', () => {
    assert.equal(toYaml({ list: [{ a: 1, b: [2] }, 'x'] }), 'list:\n  - a: 1\n    b:\n      - 2\n  - x\n');
  });

  it('an AsyncAPI document in YAML parses to the same document as its JSON', async () => {
    const document = mqttAsyncApi(createAsyncApiApp());
    assert.deepEqual(await parsedJson(toYaml(document)), await parsedJson(JSON.stringify(document)));
  });
});
