import assert from 'node:assert/strict';
import { it } from 'node:test';
import { codeBlocks, typeScriptBlocks } from './code-blocks.js';
import { installPlan } from './install-commands.js';

const FENCE = '```';

it('finds TypeScript blocks with their line, heading, fragment mark and setup', () => {
  const markdown = [
    '# Title',
    `${FENCE}ts`,
    'const a = 1;',
    FENCE,
    '## Part',
    '<!-- fragment -->',
    `${FENCE}ts`,
    'method() {}',
    FENCE,
    '<!-- setup (hidden)',
    "import { x } from 'y';",
    '-->',
    '',
    `${FENCE}typescript`,
    'x();',
    FENCE,
    `${FENCE}sh`,
    'npm test',
    FENCE,
  ].join('\n');
  const blocks = typeScriptBlocks('doc.md', markdown);
  assert.deepEqual(
    blocks.map((b) => [b.line, b.heading, b.fragment, b.setup, b.code]),
    [
      [3, 'Title', false, '', 'const a = 1;'],
      [8, 'Part', true, '', 'method() {}'],
      [15, 'Part', false, "import { x } from 'y';\n", 'x();'],
    ],
  );
  assert.equal(codeBlocks('doc.md', markdown).length, 4);
});

it('turns an Install section into commands around one npm install', () => {
  const markdown = [
    '## Install',
    `${FENCE}sh`,
    'npm init -y',
    'npm pkg set type=module   # ESM',
    'npm install koa-mqtt koa',
    'npm install -D typescript koa',
    'npx tsc --init --experimentalDecorators',
    '# a comment',
    FENCE,
    '## Next',
    `${FENCE}sh`,
    'npm install other',
    FENCE,
  ].join('\n');
  assert.deepEqual(installPlan('README.md', markdown, 'Install'), {
    before: ['npm init -y', 'npm pkg set type=module'],
    packages: ['koa-mqtt', 'koa', 'typescript'],
    after: ['npx tsc --init --experimentalDecorators'],
  });
  assert.throws(
    () => installPlan('README.md', markdown, 'Missing'),
    /no sh block under the heading "Missing"/,
  );
});
