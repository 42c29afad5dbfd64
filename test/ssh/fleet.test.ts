// @tier full: real sshd, Ansible or tmux (see scripts/run-tests.mjs)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withLab } from '../helpers/lab.js';
import { labGates, ping } from './fixture.js';

test('30 lab hosts at once: a gate on each, every one answers', { timeout: 600_000 }, async () => {
  await withLab(30, async (lab) => {
    const g = await labGates(lab);
    try {
      const names = lab.hosts.map((h) => h.name);
      const replies = await Promise.all(names.map(async (n) => ping(await g.pool.get({ key: n, host: n }))));
      assert.deepEqual(replies, names.map(() => 'pong'));
      const st = g.factory.stats();
      // The lab hosts share one remote directory here: hosts that look after the first upload
      // has landed start the gate at once; only those that found none are probed.
      assert.ok(st.probes >= 1 && st.probes <= 30, `a probe only where no gate was found (${String(st.probes)})`);
      assert.ok(st.uploads >= 1 && st.uploads <= st.probes, `at most one upload per host that found none (${String(st.uploads)} uploads, ${String(st.probes)} probes)`);
      assert.equal(st.openConnections, 30);
      const pids = new Set(g.pool.list().map((e) => e.hello?.pid));
      assert.equal(pids.size, 30, 'one gate process per host');
    } finally {
      await g.close();
    }
    assert.equal(g.factory.stats().openConnections, 0, 'every connection closed');
  });
});
