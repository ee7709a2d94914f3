import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseMarkdownTable, profileTable, renderProfileTable } from './profile-table.js';
import { PROFILE_LIST } from './profiles.js';

const DOC = join(import.meta.dirname, '..', '..', '..', 'docs', 'brokers.md');
const START = '<!-- broker-table:start (generated from test/conformance/profiles.ts) -->';
const END = '<!-- broker-table:end -->';

describe('docs/brokers.md', () => {
  it('holds the conformance suite’s broker table, cell for cell', () => {
    const text = readFileSync(DOC, 'utf8');
    const from = text.indexOf(START);
    const to = text.indexOf(END);
    assert.ok(from >= 0 && to > from, `docs/brokers.md has the markers ${START} … ${END}`);
    const documented = parseMarkdownTable(text.slice(from + START.length, to));
    assert.deepEqual(
      documented,
      profileTable(PROFILE_LIST),
      `docs/brokers.md is out of date with test/conformance/profiles.ts; its table should read:\n${renderProfileTable(PROFILE_LIST)}`,
    );
  });

  it('reads a table back as the cells it was rendered from', () => {
    assert.deepEqual(parseMarkdownTable(renderProfileTable(PROFILE_LIST)), profileTable(PROFILE_LIST));
  });
});
