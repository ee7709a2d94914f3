import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { describeMosquitto } from './mosquitto-available.js';
import { onceEvent, waitFor } from './wait.js';

const fixture = join(import.meta.dirname, 'leak-fixture.js');

/** Dead, or a zombie nobody has reaped yet (PID 1 in a container may not reap). */
function isGone(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z') ?? true;
  } catch {
    return true;
  }
}

async function leakAndCheck(mode: 'forget' | 'crash' | 'sigterm'): Promise<void> {
  const child = spawn(process.execPath, [fixture, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = onceEvent<number | null>(child, 'exit', 10_000);
  const line = await onceEvent<Buffer>(child.stdout, 'data', 10_000);
  const { pid, dir } = JSON.parse(line.toString()) as { pid: number; dir: string };
  if (mode === 'sigterm') {
    // The other modes may already be over: they do not wait for us.
    assert.equal(isGone(pid), false, 'the broker runs while its test process runs');
    child.kill('SIGTERM');
  }
  await exited;
  await waitFor(() => isGone(pid), { timeout: 3000, message: `mosquitto ${pid} killed` });
  assert.equal(existsSync(dir), false, 'its temp dir is removed');
}

describeMosquitto('process reaper', () => {
  it('kills a broker a test forgot to close, and lets the process end', { timeout: 15_000 }, () =>
    leakAndCheck('forget'),
  );
  it('kills the broker of a test process that crashed', { timeout: 15_000 }, () => leakAndCheck('crash'));
  it('kills the broker of a test process ended by SIGTERM', { timeout: 15_000 }, () =>
    leakAndCheck('sigterm'),
  );
});
