// @tier full: real sshd, Ansible or tmux (see scripts/run-tests.mjs)
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { labPaths } from '../../src/lab/files.js';
import { withLab } from '../helpers/lab.js';
import { ftl, jsonLines } from '../helpers/ftl.js';
import { labGates, ping } from './fixture.js';
import { GateClient } from '../../src/gate/client.js';

/**
 * sshd drops every unauthenticated connection past 2 (MaxStartups 2:100:2), as a busy
 * sshd does with a burst: the first call still gets a gate on every host, none is
 * reported unreachable, and a dropped connection is retried rather than failed.
 */
test('first call under a small MaxStartups: every host gets a gate, throttled connections are retried', { timeout: 300_000 }, async () => {
  await withLab(
    30,
    async (lab) => {
      // 30 hosts, one sshd each, in one `ftl run`: all answer on the first call.
      const env = { HOME: join(lab.dir, 'home') };
      const run = await ftl(['run', '-i', lab.inventoryPath, 'lab', 'ping', '--json'], { env, timeoutMs: 180_000 });
      const rows = jsonLines(run.stdout).filter((l) => 'host' in l);
      assert.equal(run.code, 0, run.stdout.slice(-2000) + run.stderr);
      assert.equal(rows.length, 30);
      assert.deepEqual(
        rows.filter((r) => r.status !== 'ok').map((r) => [r.host, r.status]),
        [],
        'no host unreachable or failed',
      );

      // 24 inventory names on ONE sshd, one channel per connection: 24 connections to it
      // at once, 8 at a time from the pool's window, into an sshd that takes 2.
      const first = lab.hosts[0];
      assert.ok(first !== undefined);
      const p = labPaths(lab.dir);
      const aliases = Object.fromEntries(Array.from({ length: 24 }, (_, i) => [`alias${String(i + 1).padStart(2, '0')}`, { ansible_host: first.address, ansible_port: first.port }]));
      const invPath = join(lab.dir, 'aliases.yml');
      writeFileSync(
        invPath,
        stringify({
          aliases: {
            hosts: aliases,
            vars: {
              ansible_user: lab.user,
              ansible_ssh_private_key_file: p.key,
              ansible_ssh_common_args: `-o UserKnownHostsFile=${p.knownHosts} -o StrictHostKeyChecking=yes`,
              ansible_python_interpreter: '/usr/bin/python3',
            },
          },
        }),
      );
      const g = await labGates(lab, { maxChannelsPerConnection: 1, maxConnectsPerServer: 8 }, invPath);
      try {
        const names = Object.keys(aliases);
        const replies = await Promise.all(
          names.map(async (n) => {
            const s = await GateClient.open(await g.factory.open(g.facts(n), undefined, { timeoutMs: 120_000 }), { host: n, helloTimeoutMs: 60_000 });
            try {
              return await ping(s);
            } finally {
              await s.close();
            }
          }),
        );
        assert.deepEqual(replies, names.map(() => 'pong'));
        const st = g.factory.stats();
        assert.ok(st.connectRetries > 0, `sshd dropped some of the burst, and those were retried (${String(st.connectRetries)} retries)`);
        assert.ok(st.connections >= 2, `several connections to the one sshd (${String(st.connections)})`);
      } finally {
        await g.close();
      }
    },
    { maxStartups: '2:100:2' },
  );
});
