import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { openNativeGate, type NativeGate } from './native-gate.js';
import { isAlive } from '../../src/lab/procs.js';

/** Running, not a zombie waiting to be reaped. */
const alive = isAlive;

async function waitFor(what: string, test: () => boolean, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  while (!test()) {
    if (Date.now() > until) throw new Error(`gave up waiting for ${what}`);
    await sleep(50);
  }
}

describe('cancelling a native command', () => {
  let gate: NativeGate;
  let dir: string;
  before(async () => {
    gate = await openNativeGate();
    dir = mkdtempSync(join(tmpdir(), 'ftl-native-cancel-'));
  });
  after(async () => {
    await gate.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('kills the whole process group the command started, and the gate goes on', async () => {
    const pidFile = join(dir, 'pid');
    const abort = new AbortController();
    const call = gate.session.request('FTLModule', { module_name: 'shell', module_args: { cmd: `sleep 300 & echo $! > ${pidFile}; wait` } }, { signal: abort.signal, timeoutMs: 60_000 });
    call.catch(() => undefined);
    await waitFor('the command to start', () => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '');
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    assert.ok(alive(pid));
    abort.abort();
    await assert.rejects(call, /cancelled/);
    await waitFor(`sleep (pid ${String(pid)}) to be killed`, () => !alive(pid));
    const after = await gate.call({ module: 'command', args: { argv: ['echo', 'still here'] } });
    assert.equal(after.stdout, 'still here');
  });
});
