// @tier full: dozens of SSH endpoints and ftl sessions (no sshd, but heavy for the unit tier)
/**
 * The simulated fleet (bench/sim) is reached by ftl's library exactly as real hosts are:
 * keys checked, the gate probed or uploaded and started, calls answered; its failure rate
 * shows up as failed hosts, never as hangs; stop() leaves no process behind.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { automation } from '../../src/index.js';
import { isAlive } from '../../src/lab/procs.js';
import { startSimFleet, SIM_GROUP } from '../../bench/sim/fleet.js';

const HOSTS = 30;
const dir = mkdtempSync(join(tmpdir(), 'ftl-sim-test-'));
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('simulated fleet', { timeout: 600_000 }, () => {
  it('answers ping and a command on every host, then stops without a trace', async () => {
    const fleet = await startSimFleet({ count: HOSTS, latencyMs: 2, jitterMs: 1, dir: join(dir, 'ok') });
    try {
      const ftl = await automation({ inventory: fleet.inventoryPath, forks: HOSTS });
      try {
        const ping = await ftl.run(SIM_GROUP, 'ping', {});
        assert.equal(ping.hosts.length, HOSTS);
        assert.deepEqual(
          ping.hosts.filter((h) => h.status !== 'ok').map((h) => `${h.host}: ${JSON.stringify(h.result)}`),
          [],
        );
        const cmd = await ftl.run(SIM_GROUP, 'command', { cmd: 'uptime' });
        assert.equal(cmd.hosts.length, HOSTS);
        for (const h of cmd.hosts) {
          assert.equal(h.status, 'changed', `${h.host}: ${JSON.stringify(h.result)}`);
          assert.equal(h.result.stdout, `${h.host}: uptime`);
        }
        const s = await fleet.stats();
        // One connection and one gate per host, reused by the second call.
        assert.equal(s.connections, HOSTS);
        assert.equal(s.gates, HOSTS);
        assert.equal(s.requests, 2 * HOSTS);
      } finally {
        await ftl.close();
      }
    } finally {
      await fleet.stop();
    }
    for (const pid of fleet.pids) assert.equal(isAlive(pid), false, `server process ${String(pid)} is still running`);
  });

  it('shows its failure rate as failed hosts, uploads the gate where it is missing, and goes on answering', async () => {
    const fleet = await startSimFleet({ count: HOSTS, failRate: 0.5, deployed: false, dir: join(dir, 'fail') });
    try {
      const ftl = await automation({ inventory: fleet.inventoryPath, forks: HOSTS });
      try {
        const first = await ftl.run(SIM_GROUP, 'ping', {});
        const second = await ftl.run(SIM_GROUP, 'ping', {});
        const s = await fleet.stats();
        assert.equal(s.uploads, HOSTS, 'every host got the gate once');
        let failed = 0;
        for (const r of [first, second]) {
          assert.equal(r.hosts.length, HOSTS);
          for (const h of r.hosts) {
            assert.ok(h.status === 'ok' || h.status === 'failed', `${h.host}: ${h.status} ${JSON.stringify(h.result)}`);
            if (h.status === 'failed') {
              failed++;
              assert.match(String(h.result.msg), /simulated failure on sim-\d+/);
            }
          }
        }
        // The failures the fleet made are the failures ftl reports; at 50 % over 60 calls some happen.
        assert.equal(failed, s.failures);
        assert.ok(failed > 0 && failed < 2 * HOSTS, `failed ${String(failed)} of ${String(2 * HOSTS)}`);
      } finally {
        await ftl.close();
      }
    } finally {
      await fleet.stop();
    }
    for (const pid of fleet.pids) assert.equal(isAlive(pid), false, `server process ${String(pid)} is still running`);
  });
});
