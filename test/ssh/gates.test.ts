// @tier full: real sshd, Ansible or tmux (see scripts/run-tests.mjs)
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { test } from 'node:test';
import { FtlError } from '../../src/base/errors.js';
import { GateClient } from '../../src/gate/client.js';
import { gateBuild } from '../../src/hosts/gate-build.js';
import { withLab } from '../helpers/lab.js';
import { labGates, ping } from './fixture.js';

test('SSH gates on lab hosts (real sshd)', { timeout: 300_000 }, async (t) => {
  await withLab(2, async (lab) => {
    const hash = (await gateBuild()).hash;
    const g = await labGates(lab);
    try {
      await t.test('the first call deploys the gate; a second session reuses the file without uploading', async () => {
        const s = await g.pool.get({ key: 'lab01', host: 'lab01' });
        assert.equal(await ping(s), 'pong');
        assert.equal(s.hello.gate_hash, hash);
        assert.equal(g.factory.stats().uploads, 1);
        assert.equal(g.factory.stats().probes, 1, 'the start script found no gate and answered as the probe');
        const file = `${g.remoteDir}/gate-${hash}.pyz`;
        assert.ok(existsSync(file));
        assert.equal(statSync(g.remoteDir).mode & 0o777, 0o700, 'the gate dir is 0700');

        const again = await labGates(lab, { remoteDir: g.remoteDir });
        try {
          const s2 = await again.pool.get({ key: 'lab01', host: 'lab01' });
          assert.equal(await ping(s2), 'pong');
          assert.notEqual(s2.hello.pid, s.hello.pid, 'a new gate process');
          assert.equal(again.factory.stats().uploads, 0, 'no upload: the file was there');
          assert.equal(again.factory.stats().probes, 0, 'the gate was there: it started in one round trip, no probe');
        } finally {
          await again.close();
        }
      });

      await t.test('20 concurrent calls on one host', async () => {
        const s = await g.pool.get({ key: 'lab01', host: 'lab01' });
        const replies = await Promise.all(Array.from({ length: 20 }, () => ping(s)));
        assert.deepEqual(replies, Array.from({ length: 20 }, () => 'pong'));
      });

      await t.test('12 gates on one host stay under MaxSessions: a second connection opens', async () => {
        const before = g.factory.stats().connections;
        const transports = await Promise.all(Array.from({ length: 12 }, () => g.factory.open(g.facts('lab02'))));
        const sessions = await Promise.all(transports.map((tr) => GateClient.open(tr, { host: 'lab02', helloTimeoutMs: 60_000 })));
        try {
          const replies = await Promise.all(sessions.map((s) => ping(s)));
          assert.equal(replies.filter((r) => r === 'pong').length, 12);
          assert.equal(g.factory.stats().connections - before, 2, 'two connections for 12 channels (8 each at most)');
        } finally {
          await Promise.all(sessions.map((s) => s.close()));
        }
      });

      await t.test('a remote gate killed with SIGKILL is replaced on the next get', async () => {
        const s = await g.pool.get({ key: 'lab01', host: 'lab01' });
        const pid = s.hello.pid;
        assert.ok(typeof pid === 'number');
        const closed = new Promise<unknown>((r) => s.once('close', r));
        process.kill(pid, 'SIGKILL');
        await closed;
        await assert.rejects(ping(s), (e: unknown) => e instanceof FtlError && (e.code === 'FTL_GATE_CLOSED' || e.code === 'FTL_GATE_DIED'));
        const s2 = await g.pool.get({ key: 'lab01', host: 'lab01' });
        assert.notEqual(s2.hello.pid, pid);
        assert.equal(await ping(s2), 'pong');
      });

      await t.test('a host whose sshd stops mid-call fails that call, alone; it comes back after a restart', async () => {
        const s1 = await g.pool.get({ key: 'lab01', host: 'lab01' });
        const s2 = await g.pool.get({ key: 'lab02', host: 'lab02' });
        // Handled at once: it may fail while stopHost is still waiting.
        const pending = s2.request('FTLModule', { module_name: 'command', module_args: { cmd: 'sleep 60' } }, { timeoutMs: 120_000 });
        pending.catch(() => undefined);
        const started = Date.now();
        await lab.stopHost('lab02');
        await assert.rejects(pending, (e: unknown) => {
          assert.ok(e instanceof FtlError);
          assert.equal(e.code, 'FTL_GATE_DIED');
          assert.equal(e.host, 'lab02');
          return true;
        });
        assert.ok(Date.now() - started < 30_000, 'fails when the connection drops, not at the call timeout');
        assert.equal(await ping(s1), 'pong', 'the other host is untouched');
        await assert.rejects(g.pool.get({ key: 'lab02', host: 'lab02' }), (e: unknown) => {
          assert.ok(e instanceof FtlError);
          assert.equal(e.code, 'FTL_SSH_CONNECT');
          assert.match(e.message, /connection refused/);
          return true;
        });
        await lab.startHost('lab02');
        assert.equal(await ping(await g.pool.get({ key: 'lab02', host: 'lab02' })), 'pong');
      });
    } finally {
      await g.close();
    }
  });
});
