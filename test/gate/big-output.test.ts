/**
 * Output bigger than a reply can carry: cut at maxOutput bytes per stream (16 MiB by
 * default), said so in the result, and never a protocol error: the call succeeds or fails
 * as a call, and other calls on the same gate are untouched.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { automation, type Ftl } from '../../src/run/automation.js';
import { coreOf } from '../../src/run/ftl-object.js';

const MiB = 1024 * 1024;

/** The gate's peak resident memory (VmHWM), in bytes. */
function peakRss(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${String(pid)}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) * 1024;
}

describe('big outputs on a local gate', { timeout: 180_000 }, () => {
  let ftl: Ftl;
  before(async () => {
    ftl = await automation();
  });
  after(async () => {
    await ftl.close();
  });

  it('100 MB of stdout is cut to 16 MiB for that call; a concurrent call succeeds; the gate holds only what it keeps', async () => {
    const [big, ping] = await Promise.all([
      ftl.run('localhost', 'shell', { cmd: 'head -c 100000000 /dev/zero | tr "\\0" y; echo done >&2' }, { timeout: 120 }),
      ftl.run('localhost', 'ping', {}, { timeout: 120 }),
    ]);
    assert.deepEqual(ping.ok, ['localhost']);
    const r = big.hosts[0]?.result ?? {};
    assert.equal(big.hosts[0]?.status, 'changed', JSON.stringify(r.msg));
    assert.equal(r.truncated, true);
    assert.equal((r.stdout as string).length, 16 * MiB);
    assert.equal(r.stdout_truncated_bytes, 100_000_000 - 16 * MiB);
    assert.equal(r.stderr, 'done', 'stderr was not cut');
    assert.equal(r.stderr_truncated_bytes, undefined);
    assert.deepEqual(r.stdout_lines, [r.stdout], 'the controller made the lines of what it got');
    const pid = coreOf(ftl).gates.list()[0]?.pid;
    assert.ok(typeof pid === 'number');
    assert.ok(peakRss(pid) < 400 * MiB, `the gate peaked at ${String(Math.round(peakRss(pid) / MiB))} MiB`);
  });

  it('maxOutput cuts at that many bytes, never inside a character', async () => {
    const r = await ftl.run('localhost', 'command', { argv: ['python3', '-c', 'import sys; sys.stdout.write("\\u20ac" * 1000)'] }, { maxOutput: 1000 });
    const res = r.hosts[0]?.result ?? {};
    assert.equal(res.stdout, '€'.repeat(333), '333 whole characters of 3 bytes: 999 bytes');
    assert.equal(res.stdout_truncated_bytes, 3000 - 999);
    assert.equal(res.truncated, true);
  });

  it('a request too big to send fails that call, not the host', async () => {
    const r = await ftl.run('localhost', 'ping', { data: 'x'.repeat(65 * MiB) });
    assert.deepEqual(r.failed, ['localhost']);
    assert.match(String(r.hosts[0]?.result.msg), /over the 64 MiB limit/);
    assert.deepEqual((await ftl.run('localhost', 'ping', {})).ok, ['localhost']);
  });

  it('a reply still over the 64 MiB frame limit fails that call alone, saying what to lower', async () => {
    const cmd = 'head -c 50000000 /dev/zero | tr "\\0" o; head -c 50000000 /dev/zero | tr "\\0" e >&2';
    const [big, ping] = await Promise.all([ftl.run('localhost', 'shell', { cmd }, { maxOutput: 48 * MiB, timeout: 120 }), ftl.run('localhost', 'ping', {})]);
    assert.deepEqual(ping.ok, ['localhost']);
    assert.deepEqual(big.failed, ['localhost'], 'failed as a call, not unreachable');
    assert.match(String(big.hosts[0]?.result.msg), /reply is \d+ bytes, over the 64 MiB frame limit; lower the call option maxOutput/);
    assert.deepEqual((await ftl.run('localhost', 'ping', {})).ok, ['localhost'], 'the gate goes on');
  });
});
