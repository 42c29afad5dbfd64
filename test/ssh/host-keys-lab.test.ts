// @tier full: real sshd, Ansible or tmux (see scripts/run-tests.mjs)
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { FtlError } from '../../src/base/errors.js';
import { hostPaths } from '../../src/lab/files.js';
import type { Lab } from '../../src/lab/lab.js';
import { withLab } from '../helpers/lab.js';
import { labGates, pingThrough } from './fixture.js';

/** Restarts the lab host's sshd with these host keys only (the ed25519 key is the one in the lab's known_hosts). */
async function serveHostKeys(lab: Lab, name: string, keys: readonly string[]): Promise<void> {
  const p = hostPaths(lab.host(name));
  const config = readFileSync(p.config, 'utf8')
    .split('\n')
    .filter((l) => !l.startsWith('HostKey '));
  writeFileSync(p.config, [...keys.map((k) => `HostKey ${k}`), ...config].join('\n'));
  await lab.stopHost(name);
  await lab.startHost(name);
}

describe('host keys as OpenSSH treats them, on a real sshd', { timeout: 240_000 }, () => {
  test('a known host presenting a key of another type is a changed key: refused with or without accept-new; the fix it names works', async () => {
    await withLab(1, async (lab) => {
      const h = lab.host('lab01');
      const name = `[${h.address}]:${String(h.port)}`;
      const edKey = hostPaths(h).hostKey;
      const rsaKey = join(h.dir, 'ssh_host_rsa_key');
      execFileSync('ssh-keygen', ['-q', '-t', 'rsa', '-b', '2048', '-N', '', '-f', rsaKey]);
      // lab01 now presents an RSA key only; the lab's known_hosts records its ed25519 key.
      await serveHostKeys(lab, 'lab01', [rsaKey]);
      const known = readFileSync(lab.knownHostsPath, 'utf8');
      const strict = await labGates(lab);
      const accepting = await labGates(lab, { acceptNew: true });
      try {
        const facts = strict.facts('lab01');
        const changed = (e: unknown): boolean => {
          assert.ok(e instanceof FtlError, String(e));
          assert.equal(e.code, 'FTL_SSH_HOSTKEY_CHANGED', e.message);
          assert.match(e.message, new RegExp(`REMOTE HOST IDENTIFICATION HAS CHANGED: \\[${h.address.replace(/\./g, '\\.')}\\]:${String(h.port)} presents an RSA key \\(SHA256:[A-Za-z0-9+/]{43}\\), but ${lab.knownHostsPath}:1 records an ED25519 key`));
          assert.match(e.message, /man-in-the-middle/);
          assert.doesNotMatch(e.message, /has no key for it|not in/);
          assert.ok(e.hint.includes(`ssh-keygen -f '${lab.knownHostsPath}' -R '${name}'`), e.hint);
          return true;
        };
        await assert.rejects(accepting.factory.open(facts), changed, '--accept-new');
        await assert.rejects(strict.factory.open({ ...facts, strictHostKeyChecking: 'accept-new' }), changed, 'StrictHostKeyChecking=accept-new in the inventory');
        await assert.rejects(strict.factory.open(facts), changed, 'strict');
        assert.equal(readFileSync(lab.knownHostsPath, 'utf8'), known, 'nothing recorded');

        // The fix the message names: remove the old key, accept the new one.
        const fix = /ssh-keygen .*/.exec(await strict.factory.open(facts).then(() => '', (e: unknown) => (e as FtlError).hint))?.[0] ?? '';
        execFileSync('sh', ['-c', fix.replace(/ and rerun.*$/, '')], { stdio: 'ignore' });
        assert.equal(await pingThrough(accepting, facts), 'pong');
        assert.match(execFileSync('ssh-keygen', ['-F', name, '-f', lab.knownHostsPath], { encoding: 'utf8' }), /ssh-rsa /, 'the RSA key is recorded');
      } finally {
        await strict.close();
        await accepting.close();
      }

      // A host with both keys presents the one known_hosts has: either one.
      await serveHostKeys(lab, 'lab01', [edKey, rsaKey]);
      for (const only of ['ssh-rsa', 'ssh-ed25519']) {
        const file = join(lab.dir, `known_hosts.${only}`);
        const line = only === 'ssh-rsa' ? execFileSync('ssh-keygen', ['-F', name, '-f', lab.knownHostsPath], { encoding: 'utf8' }).split('\n').find((l) => l.includes('ssh-rsa')) : known.trim();
        writeFileSync(file, `${line ?? ''}\n`);
        const g = await labGates(lab);
        try {
          assert.equal(await pingThrough(g, { ...g.facts('lab01'), knownHostsFile: file }), 'pong', `known as ${only} only`);
        } finally {
          await g.close();
        }
      }
    });
  });

  test('a host known only through @cert-authority is refused, even under accept-new, naming the reason', async () => {
    await withLab(1, async (lab) => {
      const h = lab.host('lab01');
      const ca = join(lab.dir, 'ca');
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', ca]);
      const file = join(lab.dir, 'known_hosts.ca');
      const text = `@cert-authority [${h.address}]:* ${readFileSync(`${ca}.pub`, 'utf8').trim()}\n`;
      writeFileSync(file, text);
      const g = await labGates(lab, { acceptNew: true });
      try {
        await assert.rejects(g.factory.open({ ...g.facts('lab01'), knownHostsFile: file }), (e: unknown) => {
          assert.ok(e instanceof FtlError, String(e));
          assert.equal(e.code, 'FTL_SSH_HOSTKEY_UNKNOWN');
          assert.match(e.message, /known only through a @cert-authority line .*ftl does not check host certificates.*refused/);
          return true;
        });
      } finally {
        await g.close();
      }
      assert.equal(readFileSync(file, 'utf8'), text, 'nothing recorded');
    });
  });
});
