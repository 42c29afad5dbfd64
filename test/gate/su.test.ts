// @tier full: real sshd, Ansible or tmux (see scripts/run-tests.mjs)
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labUp, type Lab } from '../../src/lab/lab.js';
import { automation } from '../../src/run/automation.js';
import type { PasswordRequest } from '../../src/base/passwords.js';
import { ftl, jsonLines } from '../helpers/ftl.js';
import { run } from '../helpers/exec.js';

/**
 * ansible_become_method su, as Ansible runs it (`su [flags] USER -c CMD`, the password
 * typed at su's "Password:" prompt): on a lab host, logging in as one throwaway user and
 * becoming another whose password su checks; and on localhost, where root needs none.
 */
const asRoot = process.getuid?.() === 0;
const why = asRoot ? false : 'SKIPPED LOUDLY: needs root, to make throwaway users with passwords (useradd, chpasswd)';

const resultOf = (stdout: string): { status: unknown; stdout: string; msg: string } => {
  const host = jsonLines(stdout)[0] ?? {};
  const result = (host.result ?? {}) as { stdout?: string; msg?: string };
  return { status: host.status, stdout: result.stdout ?? '', msg: result.msg ?? '' };
};

describe('become with su', { skip: why, timeout: 900_000 }, () => {
  const suffix = String(randomInt(10_000, 99_999));
  const login = `ftlsul${suffix}`;
  const target = `ftlsut${suffix}`;
  const targetPassword = `Su-${randomBytes(8).toString('hex')}`;
  let parent: string;
  let lab: Lab;
  let inventory: string;
  let wrongInventory: string;
  let askInventory: string;

  before(async () => {
    parent = mkdtempSync(join(tmpdir(), 'ftl-su-'));
    for (const u of [login, target]) execFileSync('useradd', ['-m', '-s', '/bin/sh', u]);
    execFileSync('chpasswd', { input: `${login}:Login-${randomBytes(8).toString('hex')}\n${target}:${targetPassword}\n` });
    lab = await labUp({ count: 1, dir: join(parent, 'lab') });
    // sshd reads the lab's authorized_keys as the user logging in: let the throwaway user read it.
    chmodSync(parent, 0o755);
    chmodSync(lab.dir, 0o755);
    chmodSync(join(lab.dir, 'authorized_keys'), 0o644);
    const h = lab.host('lab01');
    // No ansible_user and no key here: -u and --private-key on the command line give them.
    const write = (name: string, becomeLines: string[]): string => {
      const path = join(parent, name);
      writeFileSync(
        path,
        [
          'su:',
          '  hosts:',
          '    su01:',
          `      ansible_host: ${h.address}`,
          `      ansible_port: ${String(h.port)}`,
          '  vars:',
          `    ansible_ssh_common_args: -o UserKnownHostsFile=${lab.knownHostsPath} -o StrictHostKeyChecking=yes`,
          '    ansible_python_interpreter: /usr/bin/python3',
          ...becomeLines.map((l) => `    ${l}`),
          '',
        ].join('\n'),
      );
      return path;
    };
    inventory = write('inv.yml', [`ansible_become_password: ${targetPassword}`]);
    wrongInventory = write('wrong.yml', ['ansible_become_password: not-the-password']);
    askInventory = write('ask.yml', []);
  });

  after(async () => {
    await lab.down();
    for (const u of [login, target]) {
      try {
        execFileSync('userdel', ['-r', '-f', u], { stdio: 'ignore' });
      } catch {
        // userdel complains about a missing mail spool; the user is gone all the same
      }
    }
    rmSync(parent, { recursive: true, force: true });
  });

  const cli = (inv: string, extra: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> =>
    ftl(['run', '-i', inv, 'su01', '--json', '-u', login, '--private-key', lab.keyPath, ...extra], { timeoutMs: 240_000 });

  it('-u and --private-key log in; -b --become-method su --become-user answers su with the inventory password, as ansible does', async () => {
    const plain = await cli(inventory, ['-m', 'command', '-a', 'id -un']);
    assert.equal(plain.code, 0, plain.stdout + plain.stderr);
    assert.equal(resultOf(plain.stdout).stdout, login);
    const su = await cli(inventory, ['-m', 'command', '-a', 'id -un', '-b', '--become-method', 'su', '--become-user', target]);
    assert.equal(su.code, 0, su.stdout + su.stderr);
    assert.equal(resultOf(su.stdout).stdout, target);
    assert.ok(!(su.stdout + su.stderr).includes(targetPassword), 'the password is not printed');
    const theirs = await run('ansible', ['su01', '-i', inventory, '-u', login, '--private-key', lab.keyPath, '-b', '--become-method', 'su', '--become-user', target, '-m', 'command', '-a', 'id -un'], {
      // Without setfacl Ansible cannot hand its temp files to an unprivileged become user otherwise (ftl needs no temp files).
      ANSIBLE_SHELL_ALLOW_WORLD_READABLE_TEMP: 'True',
    }, 120_000, [0, 2, 4]);
    assert.match(theirs, new RegExp(`^${target}$`, 'm'), `ansible becomes the same user: ${theirs}`);
  });

  it('ansible_become_flags go to su: with - it is a login shell, in the user\'s home', async () => {
    const r = await cli(inventory, ['-m', 'command', '-a', 'pwd', '-b', '--become-method', 'su', '--become-user', target, '-e', 'ansible_become_flags=-']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(resultOf(r.stdout).stdout, `/home/${target}`);
  });

  it('raw runs through su too', async () => {
    const r = await cli(inventory, ['-m', 'raw', '-a', 'id -un', '-b', '--become-method', 'su', '--become-user', target]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(resultOf(r.stdout).stdout.trim(), target);
  });

  it('a wrong password is one failed line naming su and the host, never the password', async () => {
    const r = await cli(wrongInventory, ['-m', 'command', '-a', 'id -un', '-b', '--become-method', 'su', '--become-user', target]);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    const res = resultOf(r.stdout);
    assert.equal(res.status, 'failed');
    assert.match(res.msg, /su on su01 refused the become password to become ftlsut\d+/);
    assert.ok(!(r.stdout + r.stderr).includes('not-the-password'));
  });

  it('without a password, su is asked for one the way sudo is (the REPL\'s question), once per session', async () => {
    const asked: PasswordRequest[] = [];
    const session = await automation({
      inventory: askInventory,
      remoteUser: login,
      privateKeyFile: lab.keyPath,
      becomeMethod: 'su',
      becomeUser: target,
      become: true,
      askPassword: (req) => {
        asked.push(req);
        return Promise.resolve(asked.length === 1 ? 'wrong-first' : targetPassword);
      },
    });
    try {
      const first = await session.run('su01', 'command', { _raw_params: 'id -un' });
      assert.deepEqual(first.ok.length + first.changed.length, 1, JSON.stringify(first.hosts));
      assert.equal((first.hosts[0]?.result as { stdout?: string }).stdout, target);
      assert.deepEqual(
        asked.map((q) => [q.kind, q.method, q.user, q.refused === undefined ? 'first' : 'again']),
        [
          ['become', 'su', target, 'first'],
          ['become', 'su', target, 'again'],
        ],
      );
      const second = await session.run('su01', 'command', { _raw_params: 'id -un' });
      assert.equal((second.hosts[0]?.result as { stdout?: string }).stdout, target);
      assert.equal(asked.length, 2, 'the accepted answer is kept for the session');
    } finally {
      await session.close();
    }
  });

  it('on localhost root becomes the user through su without a password, flags honoured', async () => {
    const r = await ftl(['run', 'localhost', '--json', '-m', 'command', '-a', 'id -un', '-b', '--become-method', 'su', '--become-user', target]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(resultOf(r.stdout).stdout, target);
    const home = await ftl(['run', 'localhost', '--json', '-m', 'command', '-a', 'pwd', '-b', '-e', 'ansible_become_method=su', '-e', 'ansible_become_flags=-l', '--become-user', target]);
    assert.equal(home.code, 0, home.stdout + home.stderr);
    assert.equal(resultOf(home.stdout).stdout, `/home/${target}`);
  });
});
