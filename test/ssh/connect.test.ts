// @tier full: real sshd, Ansible or tmux (see scripts/run-tests.mjs)
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { FtlError } from '../../src/base/errors.js';
import { GateClient } from '../../src/gate/client.js';
import type { HostFacts } from '../../src/inventory/facts.js';
import { gateBuild } from '../../src/hosts/gate-build.js';
import { labPaths } from '../../src/lab/files.js';
import { sshGLookup } from '../../src/ssh/config.js';
import { withLab } from '../helpers/lab.js';
import { labGates, ping } from './fixture.js';

function rejectsWith(code: string, re: RegExp): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(e instanceof FtlError, String(e));
    assert.equal(e.code, code, e.message);
    assert.match(e.message, re);
    return true;
  };
}

function sudoWorks(user: string): boolean {
  try {
    execFileSync('sudo', ['-n', '-u', user, 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

test('SSH connections to lab hosts: host keys, auth, ProxyJump, become', { timeout: 300_000 }, async (t) => {
  await withLab(2, async (lab) => {
    const g = await labGates(lab);
    const known = readFileSync(lab.knownHostsPath, 'utf8');
    const [line1, line2] = known.trim().split('\n');
    const open = async (facts: HostFacts, factory = g.factory): Promise<string> => {
      const s = await GateClient.open(await factory.open(facts), { host: facts.name, helloTimeoutMs: 60_000 });
      try {
        return String(await ping(s));
      } finally {
        await s.close();
      }
    };
    try {
      await t.test('an unknown host key is refused with its fingerprint; --accept-new records it', async () => {
        const file = join(lab.dir, 'known_hosts.empty');
        writeFileSync(file, '');
        const facts = { ...g.facts('lab01'), knownHostsFile: file, strictHostKeyChecking: undefined };
        await assert.rejects(g.factory.open(facts), rejectsWith('FTL_SSH_HOSTKEY_UNKNOWN', /SHA256:[A-Za-z0-9+/]{43}.*has no key for it$/));
        const accepting = await labGates(lab, { acceptNew: true });
        try {
          assert.equal(await open(facts, accepting.factory), 'pong');
        } finally {
          await accepting.close();
        }
        // Recorded as ssh would (hashed when `ssh -G` says HashKnownHosts yes): ssh-keygen finds it by name.
        const h1 = lab.host('lab01');
        const name = `[${h1.address}]:${String(h1.port)}`;
        assert.match(execFileSync('ssh-keygen', ['-F', name, '-f', file], { encoding: 'utf8' }), /ssh-ed25519 AAAA/);
        const hashed = /^hashknownhosts yes$/m.test(execFileSync('ssh', ['-G', h1.address], { encoding: 'utf8' }));
        assert.equal(readFileSync(file, 'utf8').startsWith('|1|'), hashed, `hashed exactly when ssh -G says HashKnownHosts ${hashed ? 'yes' : 'no'}`);
        assert.equal(await open(facts), 'pong', 'the recorded key is known now');
      });

      await t.test('a changed host key is refused, even with --accept-new', async () => {
        const file = join(lab.dir, 'known_hosts.changed');
        // lab01's name with lab02's key: what a man in the middle would present.
        const [name1] = (line1 ?? '').split(' ');
        const key2 = (line2 ?? '').split(' ').slice(1).join(' ');
        writeFileSync(file, `${name1 ?? ''} ${key2}\n`);
        const facts = { ...g.facts('lab01'), knownHostsFile: file };
        const accepting = await labGates(lab, { acceptNew: true });
        try {
          await assert.rejects(accepting.factory.open(facts), rejectsWith('FTL_SSH_HOSTKEY_CHANGED', /CHANGED/));
        } finally {
          await accepting.close();
        }
        assert.equal(readFileSync(file, 'utf8'), `${name1 ?? ''} ${key2}\n`, 'known_hosts untouched');
        const lax = await labGates(lab, { noHostKeyCheck: true });
        try {
          assert.equal(await open(facts, lax.factory), 'pong', '--no-host-key-check skips the check');
        } finally {
          await lax.close();
        }
      });

      await t.test('hashed known_hosts entries are honoured', async () => {
        const file = join(lab.dir, 'known_hosts.hashed');
        writeFileSync(file, known);
        execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
        rmSync(`${file}.old`, { force: true });
        assert.match(readFileSync(file, 'utf8'), /^\|1\|/);
        assert.equal(await open({ ...g.facts('lab02'), knownHostsFile: file }), 'pong');
      });

      await t.test('a wrong key is an auth error naming user and host', async () => {
        const key = join(lab.dir, 'wrong_key');
        execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
        const facts = { ...g.facts('lab01'), privateKeyFile: key };
        // A fresh factory: the shared one has a connection to lab01 already.
        const fresh = await labGates(lab);
        // The host by its inventory name (the error's host), the user and the key in the message; the server's methods too.
        await assert.rejects(fresh.factory.open(facts).finally(() => fresh.close()), (e: unknown) => {
          assert.ok(e instanceof FtlError);
          assert.equal(e.host, 'lab01');
          return rejectsWith('FTL_SSH_AUTH', new RegExp(`^${lab.user}'s login was refused \\(tried key ${key}\\); the server accepts keys only$`))(e);
        });
      });

      await t.test('ProxyJump through one lab host to another', async () => {
        const log = join(lab.host('lab01').dir, 'sshd.log');
        const accepted = (): number => (readFileSync(log, 'utf8').match(/Accepted publickey/g) ?? []).length;
        const h1 = lab.host('lab01');
        for (const hop of ['lab01', `${lab.user}@${h1.address}:${String(h1.port)}`]) {
          const before = accepted();
          const fresh = await labGates(lab);
          try {
            assert.equal(await open({ ...g.facts('lab02'), proxyJump: [hop] }, fresh.factory), 'pong', `through ${hop}`);
          } finally {
            await fresh.close();
          }
          assert.equal(accepted(), before + 1, `the hop ${hop} logged into lab01`);
        }
      });

      await t.test("ProxyJump whose first hop has a ProxyJump of its own in ~/.ssh/config: followed, as ssh -J follows it", async () => {
        const h1 = lab.host('lab01');
        const h2 = lab.host('lab02');
        const logins = (h: string): number => (readFileSync(join(lab.host(h).dir, 'sshd.log'), 'utf8').match(/Accepted publickey/g) ?? []).length;
        const counts = (): number[] => [logins('lab01'), logins('lab02')];
        // lab02 through hopB (lab01), which ssh reaches through hopA (lab02 again): two hosts make a chain of three logins.
        const cfg = join(lab.dir, 'ssh_config.chain');
        writeFileSync(
          cfg,
          [
            'Host hopA',
            `  HostName ${h2.address}`,
            `  Port ${String(h2.port)}`,
            'Host hopB',
            `  HostName ${h1.address}`,
            `  Port ${String(h1.port)}`,
            '  ProxyJump hopA',
            'Host *',
            `  User ${lab.user}`,
            `  IdentityFile ${labPaths(lab.dir).key}`,
            `  UserKnownHostsFile ${lab.knownHostsPath}`,
            '  StrictHostKeyChecking yes',
            '  IdentityAgent none',
            '',
          ].join('\n'),
        );
        let before = counts();
        execFileSync('ssh', ['-F', cfg, '-o', 'BatchMode=yes', '-J', 'hopB', '-p', String(h2.port), `${lab.user}@${h2.address}`, 'true'], { stdio: 'ignore', timeout: 60_000 });
        const bySsh = counts().map((n, i) => n - (before[i] ?? 0));
        assert.deepEqual(bySsh, [1, 2], 'ssh: lab01 once (hopB), lab02 twice (hopA, then the target)');
        before = counts();
        const chained = await labGates(lab, { sshConfig: sshGLookup({ configFile: cfg }), agentSocket: '' });
        try {
          assert.equal(await open({ ...g.facts('lab02'), proxyJump: ['hopB'] }, chained.factory), 'pong');
        } finally {
          await chained.close();
        }
        assert.deepEqual(
          counts().map((n, i) => n - (before[i] ?? 0)),
          bySsh,
          'ftl logs in where ssh does',
        );
      });

      await t.test('become runs the gate as another user through sudo -n', async (tt) => {
        if (!sudoWorks('nobody')) {
          tt.skip('SKIPPED LOUDLY: sudo -n -u nobody does not work here (no sudo, or not allowed without a password)');
          return;
        }
        const hash = (await gateBuild()).hash;
        const copy = `/tmp/ftl-gate-${String(process.getuid?.() ?? 0)}/gate-${hash}.pyz`;
        const existed = existsSync(copy);
        try {
          const s = await GateClient.open(await g.factory.open(g.facts('lab01'), { user: 'nobody' }), { host: 'lab01', helloTimeoutMs: 60_000 });
          try {
            const info = await s.request('Info', {});
            assert.equal(info.data.user, 'nobody');
            assert.equal(await ping(s), 'pong');
          } finally {
            await s.close();
          }
        } finally {
          if (!existed) rmSync(copy, { force: true });
        }
      });
    } finally {
      await g.close();
    }
  });
});
