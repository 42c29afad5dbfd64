import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseSshG, sshGLookup } from '../../src/ssh/config.js';
import { configIsHostIndependent } from '../../src/ssh/config-scope.js';

function scratch(): { dir: string; write: (rel: string, text: string) => string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'ftl-sshcfg-'));
  return {
    dir,
    write: (rel, text) => {
      const p = join(dir, rel);
      mkdirSync(join(p, '..'), { recursive: true });
      writeFileSync(p, text);
      return p;
    },
    done: () => { rmSync(dir, { recursive: true, force: true }); },
  };
}

test('an ssh configuration is read as the same for every host only when nothing in it can name a host', () => {
  const s = scratch();
  try {
    const home = join(s.dir, 'home');
    const system = join(s.dir, 'etc', 'ssh_config');
    const same = (user: string, sys = ''): boolean => {
      s.write('home/.ssh/config', user);
      s.write('etc/ssh_config', sys);
      return configIsHostIndependent({ home, systemConfig: system });
    };
    assert.equal(configIsHostIndependent({ home, systemConfig: system }), true, 'no files at all');
    assert.equal(same('Host *\n  User deploy\n  IdentityFile ~/.ssh/fleet\n', 'Host *\n    SendEnv LANG LC_*\n'), true);
    assert.equal(same('# Host web\nUser=deploy\n'), true, 'comments and key=value');
    assert.equal(same('Host web*\n  User deploy\n'), false, 'a Host pattern');
    assert.equal(same('Host * !bastion\n  User deploy\n'), false, 'a negated pattern');
    assert.equal(same('', 'Match host db*\n  User postgres\n'), false, 'Match in the system file');
    assert.equal(same('IdentityFile ~/.ssh/%h.key\n'), false, 'a token');
    assert.equal(same('CanonicalizeHostname yes\n'), false, 'canonicalisation');

    s.write('home/.ssh/conf.d/a.conf', 'User deploy\n');
    s.write('home/.ssh/conf.d/.hidden.conf', 'Host secret\n');
    assert.equal(same('Include conf.d/*.conf\n'), true, 'an Include relative to ~/.ssh; dot files are not matched');
    s.write('home/.ssh/conf.d/b.conf', 'Host db\n  Port 2222\n');
    assert.equal(same('Include conf.d/*.conf\n'), false, 'a Host pattern in an included file');
    assert.equal(same('Include ~/.ssh/conf.d/a.conf\n'), true, 'one file by ~ path');
    assert.equal(same('Include */x.conf\n'), false, 'a wildcard in the directory part is not followed');
    assert.equal(same(`Include ${join(home, '.ssh', 'config')}\n`), false, 'an Include loop');

    const f = s.write('given.conf', 'Host *\n  Port 2200\n');
    assert.equal(configIsHostIndependent({ home, systemConfig: system, configFile: f }), true, '-F reads only the file given');
  } finally {
    s.done();
  }
});

test('ssh -G once per user and port when the configuration is the same for all, with the answers ssh itself gives', async (t) => {
  const s = scratch();
  try {
    const calls = join(s.dir, 'calls');
    writeFileSync(calls, '');
    const wrapper = s.write('ssh-counting', `#!/bin/sh\necho "$*" >> ${calls}\nexec ssh "$@"\n`);
    chmodSync(wrapper, 0o755);
    const home = join(s.dir, 'home');
    const system = s.write('etc/ssh_config', '');
    const hosts = ['web01', 'web02', 'DB.Example.com', '10.0.0.7', 'cache-1'];
    const real = (cfg: string, host: string, o: { user?: string; port?: number } = {}): ReturnType<typeof parseSshG> => {
      const args = ['-G', '-F', cfg, ...(o.user === undefined ? [] : ['-l', o.user]), ...(o.port === undefined ? [] : ['-p', String(o.port)]), '--', host];
      return parseSshG(execFileSync('ssh', args, { encoding: 'utf8' }), home);
    };
    const check = async (cfgText: string, wantRuns: number): Promise<void> => {
      const cfg = s.write('given.conf', cfgText);
      writeFileSync(calls, '');
      const lookup = sshGLookup({ sshBin: wrapper, configFile: cfg, home, systemConfig: system });
      for (const o of [{}, { user: 'ops', port: 2201 }]) {
        const got = await Promise.all(hosts.map((h) => lookup(h, o)));
        got.forEach((g, i) => { assert.deepEqual(g, real(cfg, hosts[i] as string, o), `${cfgText.trim()} / ${hosts[i]} ${JSON.stringify(o)}`); });
      }
      assert.equal(readFileSync(calls, 'utf8').trim().split('\n').length, wantRuns, readFileSync(calls, 'utf8'));
    };
    await t.test('the same for all: one run per user/port pair', () => check('Host *\n  User deploy\n  Port 2222\n  IdentityFile /keys/fleet\n  ProxyJump bastion\n', 2));
    await t.test('one HostName for every host stays that name', () => check('Host *\n  HostName gateway.example\n', 2));
    await t.test('per-host sections: one run per host', () => check('Host web*\n  User www\nHost 10.*\n  Port 2200\n', hosts.length * 2));
  } finally {
    s.done();
  }
});
