// @tier full: real sshd, Ansible or tmux (see scripts/run-tests.mjs)
/**
 * Events from gates on two real sshd hosts, through the library: a watch on one host
 * reports a touched file as one event naming that host; a group's watch tags each host;
 * metrics arrive from every host with sane fields; module calls go on meanwhile; and once
 * the session is closed nothing is left running under the hosts' sshd.
 */
import assert from 'node:assert/strict';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { automation } from '../../src/run/automation.js';
import type { FtlEvent, SystemMetricsEvent } from '../../src/run/events.js';
import type { Lab } from '../../src/lab/lab.js';
import { hostPaths } from '../../src/lab/files.js';
import { commandLine, processTree, waitGone } from '../../src/lab/procs.js';
import { withLab } from '../helpers/lab.js';

/** Everything running under the lab's sshd listeners: sessions, gates, modules. */
function underLab(lab: Lab): { pid: number; args: string }[] {
  return lab
    .status()
    .flatMap((h) => (h.pid === undefined ? [] : processTree(h.pid).slice(1)))
    .map((pid) => ({ pid, args: commandLine(pid).trim() }))
    .filter((p) => p.args !== '');
}

/** Events from the iterator until `done` says enough (or the deadline: then what came is returned for the message). */
async function collect(it: AsyncIterableIterator<FtlEvent>, done: (evs: FtlEvent[]) => boolean, ms: number): Promise<FtlEvent[]> {
  const got: FtlEvent[] = [];
  const timer = setTimeout(() => void it.return?.(), ms);
  try {
    for await (const ev of it) {
      got.push(ev);
      if (done(got)) break;
    }
  } finally {
    clearTimeout(timer);
  }
  return got;
}

const touch = (path: string): void => {
  const t = new Date();
  utimesSync(path, t, t);
};

test('watch and metrics on 2 lab hosts: one event per touched file, host names, sane metrics, nothing left after close', { timeout: 240_000 }, async () => {
  await withLab(2, async (lab) => {
    const ftl = await automation({ inventory: lab.inventoryPath });
    let closed = false;
    try {
      const [h1, h2] = lab.hosts;
      assert.ok(h1 !== undefined && h2 !== undefined);
      // Each host has a home of its own: the same absolute path is watched on one host only.
      const conf1 = join(hostPaths(h1).home, 'nginx');
      const conf2 = join(hostPaths(h2).home, 'nginx');
      for (const d of [conf1, conf2]) {
        mkdirSync(join(d, 'sites'), { recursive: true });
        writeFileSync(join(d, 'sites', 'default'), 'server {}\n');
      }
      const w1 = await ftl.target('lab01').watch(conf1, { recursive: true });
      const w2 = await ftl.target('lab02').watch(conf2, { recursive: true });
      assert.deepEqual([w1.hosts, w2.hosts], [['lab01'], ['lab02']]);

      const events = ftl.events({ types: ['FileChanged'] });
      touch(join(conf1, 'sites', 'default'));
      const got = await collect(events, (e) => e.length >= 1, 30_000);
      assert.equal(got.length, 1, JSON.stringify(got));
      assert.deepEqual({ ...got[0], timestamp: 0 }, {
        event: 'FileChanged',
        host: 'lab01',
        path: join(conf1, 'sites', 'default'),
        kind: 'modified',
        name: 'default',
        is_dir: false,
        watch: conf1,
        timestamp: 0,
      });
      // No second event (lab02 watches another tree; the touch is one change).
      const more = await ftl.listen(1500, { types: ['FileChanged'] });
      assert.deepEqual(more, []);

      // A group's watch of one path: each host reports, each with its own name; a module call runs on the same gates meanwhile.
      await Promise.all([w1.stop(), w2.stop()]);
      const shared = join(lab.dir, 'shared-watch');
      mkdirSync(shared);
      const both = await ftl.target('lab').watch(shared);
      assert.deepEqual(both.hosts.sort(), ['lab01', 'lab02']);
      const listening = ftl.listen(4000, { types: ['FileChanged'] });
      const [, ping] = await Promise.all([
        new Promise<void>((r) => setTimeout(() => {
          writeFileSync(join(shared, 'new.conf'), 'x');
          r();
        }, 300)),
        ftl.target('lab').command({ cmd: 'sleep 1' }),
      ]);
      assert.equal(ping.failed.length, 0);
      const created = (await listening).map((e) => (e.event === 'FileChanged' ? `${e.host} ${e.kind} ${e.name}` : e.event)).sort();
      assert.deepEqual(created, ['lab01 created new.conf', 'lab02 created new.conf']);
      await both.stop();

      // Metrics: every host, sane numbers.
      const metrics = await ftl.target('lab').metrics({ every: 1 });
      assert.deepEqual(metrics.hosts.sort(), ['lab01', 'lab02']);
      const m = (await collect(ftl.events({ types: ['SystemMetrics'] }), (e) => new Set(e.map((x) => (x as SystemMetricsEvent).host)).size === 2, 30_000)) as SystemMetricsEvent[];
      assert.deepEqual([...new Set(m.map((x) => x.host))].sort(), ['lab01', 'lab02']);
      for (const x of m) {
        assert.ok(x.cpu.percent_total >= 0 && x.cpu.percent_total <= 100, JSON.stringify(x.cpu));
        assert.ok(x.cpu.count >= 1 && x.cpu.load_avg?.length === 3);
        assert.ok(x.memory.total > 0 && x.memory.percent > 0 && x.memory.percent < 100);
        assert.ok(x.disk !== null && x.disk.total > 0);
        assert.ok(x.net.bytes_recv >= 0 && x.net.recv_rate >= 0);
      }
      // A watch of a path no host has does not start, and says why.
      await assert.rejects(ftl.target('lab').watch('/nonexistent/dir'), /did not start on any host: lab0\d: cannot watch \/nonexistent\/dir: No such file/);

      // A gate that goes under a watch: the watch says so, and runs again on the host's next gate.
      await metrics.stop();
      const again = join(lab.dir, 'resume-watch');
      mkdirSync(again);
      const kept = await ftl.target('lab01').watch(again);
      const said = (evs: FtlEvent[]): string[] => evs.map((e) => (e.event === 'FileChanged' ? `${e.host} ${e.kind} ${e.name}` : e.event === 'StreamEnded' ? `${e.host} ${e.stream} ended${e.resumes === true ? ', resumes' : ''}` : e.event === 'StreamResumed' ? `${e.host} ${e.stream} resumed` : e.event));
      /** What comes after `act` (listening from before it), until `n` events or 30 s. */
      const after = async (act: () => unknown, n: number): Promise<string[]> => {
        const it = ftl.events({ types: ['StreamEnded', 'StreamResumed', 'FileChanged'] });
        await act();
        return said(await collect(it, (e) => e.length >= n, 60_000));
      };
      // A restart opens the new gate at once.
      assert.deepEqual(await after(() => ftl.gates.restart('lab01'), 2), ['lab01 watch ended, resumes', 'lab01 watch resumed']);
      assert.deepEqual(await after(() => { writeFileSync(join(again, 'after-restart'), 'x'); }, 1), ['lab01 created after-restart']);
      // The gate killed on the host: nothing opens a new one until a call does, and then the watch is back.
      const gatePids = (): number[] => {
        const sshd = lab.status().find((h) => h.name === 'lab01')?.pid;
        return sshd === undefined ? [] : processTree(sshd).filter((pid) => /\.pyz/.test(commandLine(pid)));
      };
      const [gatePid] = gatePids();
      assert.ok(gatePid !== undefined, 'the gate runs on lab01');
      assert.deepEqual(await after(() => process.kill(gatePid, 'SIGKILL'), 1), ['lab01 watch ended, resumes']);
      assert.deepEqual(kept.hosts, [], 'no host streams now');
      assert.deepEqual(
        await after(async () => {
          const back = await ftl.target('lab01').ping();
          assert.equal(back.failed.length, 0);
        }, 1),
        ['lab01 watch resumed'],
      );
      assert.deepEqual(kept.hosts, ['lab01']);
      assert.deepEqual(await after(() => { writeFileSync(join(again, 'after-death'), 'x'); }, 1), ['lab01 created after-death']);
      await kept.stop();
      await ftl.gates.restart('lab01');
      assert.deepEqual(await ftl.listen(1500, { types: ['StreamEnded', 'StreamResumed'] }), [], 'a stopped watch does not come back');

      // A watch still running when the session ends: the gates go, and nothing stays under sshd.
      await ftl.target('lab').watch(shared, { recursive: true });
      assert.ok(underLab(lab).some((p) => /gate|\.pyz/.test(p.args)), 'gates run while the session does');
      await ftl.close();
      closed = true;
      const left = underLab(lab);
      const gone = await waitGone(left.map((p) => p.pid), 15_000);
      assert.ok(gone, `still running on the hosts: ${JSON.stringify(underLab(lab))}`);
    } finally {
      if (!closed) await ftl.close();
    }
  });
});
