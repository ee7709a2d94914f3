import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const fixture = join(import.meta.dirname, 'skip-fixture.js');

/** Runs the fixture with no usable Mosquitto; resolves with its exit code and TAP output. */
function runWithoutMosquitto(ci: boolean): Promise<{ code: number; output: string }> {
  const { NODE_TEST_CONTEXT: _, ...inherited } = process.env; // else the child reports to our runner
  const env = { ...inherited, MOSQUITTO_BIN: '/nonexistent/mosquitto', CI: ci ? 'true' : '' };
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--test', '--test-reporter=tap', fixture],
      { env },
      (error, stdout, stderr) => {
        resolve({ code: typeof error?.code === 'number' ? error.code : 0, output: stdout + stderr });
      },
    );
  });
}

describe('describeMosquitto without Mosquitto', { timeout: 10_000 }, () => {
  it('skips with a message locally', async () => {
    const { code, output } = await runWithoutMosquitto(false);
    assert.equal(code, 0, output);
    assert.match(output, /# SKIP mosquitto is not installed/);
  });

  it('fails on CI', async () => {
    const { code, output } = await runWithoutMosquitto(true);
    assert.notEqual(code, 0, output);
    assert.match(output, /CI requires it/);
  });
});
