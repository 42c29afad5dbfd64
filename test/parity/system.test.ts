// @tier full: real sshd, Ansible or tmux (see scripts/run-tests.mjs)
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Step } from '../helpers/compare.js';
import { withParityLab } from './lab.js';

const asRoot = process.getuid?.() === 0;
const USER = 'ftlparity';
const GROUP = 'ftlparitygrp';
const CRON_FILE = 'ftl-parity';

function quiet(cmd: string, args: string[]): void {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
  } catch {
    // already gone
  }
}

const hasCrontab = ((): boolean => {
  try {
    execFileSync('sh', ['-c', 'command -v crontab'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

test('parity on a lab host over SSH: ping, command, shell, getent, wait_for, sysctl, apt (check mode)', { timeout: 600_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ftl-parity-sys-'));
  const reset = (): void => {
    rmSync(join(dir, 'w'), { recursive: true, force: true });
    mkdirSync(join(dir, 'w'));
    writeFileSync(join(dir, 'w', 'there'), 'x\n');
  };
  try {
    await withParityLab(async (p) => {
      const host = p.lab.host('lab01');
      await t.test('ping, command and shell over SSH', async () => {
        const w = join(dir, 'w');
        const steps: Step[] = [
          { label: 'ping', module: 'ping', args: {} },
          { label: 'ping with data', module: 'ping', args: { data: 'hi' } },
          { label: 'command argv', module: 'command', args: { argv: ['echo', 'a  b'] } },
          { label: 'command creates (skipped)', module: 'command', args: { cmd: 'touch x', chdir: w, creates: 'there' } },
          { label: 'command fails', module: 'command', args: { cmd: 'ls /no/such/dir' } },
          { label: 'command in check mode', module: 'command', args: { cmd: `touch ${join(w, 'never')}` }, check: true },
          { label: 'shell pipeline', module: 'shell', args: { cmd: 'echo one two | wc -w', chdir: w } },
          { label: 'shell rc', module: 'shell', args: { cmd: 'echo out; echo err >&2; exit 3' } },
        ];
        await p.compare(steps, reset);
        assert.equal(existsSync(join(w, 'never')), false);
      });

      await t.test('getent and wait_for', async () => {
        const steps: Step[] = [
          { label: 'getent passwd root', module: 'getent', args: { database: 'passwd', key: 'root' } },
          { label: 'getent group missing', module: 'getent', args: { database: 'group', key: 'no-such-group-ftl' } },
          { label: 'getent missing, fail_key off', module: 'getent', args: { database: 'group', key: 'no-such-group-ftl', fail_key: false } },
          { label: 'wait_for a path that exists', module: 'wait_for', args: { path: join(dir, 'w', 'there'), timeout: 5 }, normalise: { volatile: ['elapsed'] } },
          { label: 'wait_for the lab sshd port', module: 'wait_for', args: { host: host.address, port: host.port, timeout: 5 }, normalise: { volatile: ['elapsed'] } },
          { label: 'wait_for a closed port times out', module: 'wait_for', args: { host: host.address, port: 1, timeout: 1 }, normalise: { volatile: ['elapsed'] } },
          { label: 'wait_for a string in a file', module: 'wait_for', args: { path: join(dir, 'w', 'there'), search_regex: 'x', timeout: 5 }, normalise: { volatile: ['elapsed'] } },
        ];
        await p.compare(steps, reset);
      });

      await t.test('ansible.posix.sysctl and apt, in check mode', async () => {
        const sysctlFile = join(dir, 'sysctl.conf');
        const steps: Step[] = [
          { label: 'sysctl set (check)', module: 'ansible.posix.sysctl', args: { name: 'vm.swappiness', value: '17', sysctl_file: sysctlFile, reload: false }, check: true },
          { label: 'sysctl absent (check)', module: 'ansible.posix.sysctl', args: { name: 'vm.swappiness', state: 'absent', sysctl_file: sysctlFile, reload: false }, check: true },
          { label: 'apt, installed package (check)', module: 'apt', args: { name: 'openssh-server', state: 'present' }, check: true },
          { label: 'apt, package to remove (check)', module: 'apt', args: { name: 'openssh-server', state: 'absent' }, check: true },
          { label: 'apt, unknown package (check)', module: 'apt', args: { name: 'no-such-package-ftl', state: 'present' }, check: true },
        ];
        await p.compare(steps, () => {
          reset();
          writeFileSync(sysctlFile, 'vm.swappiness = 60\n');
        });
        assert.equal(readFileSync(sysctlFile, 'utf8'), 'vm.swappiness = 60\n', 'check mode left the file alone');
      });
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('parity on a lab host over SSH: user, group, cron', { timeout: 600_000, skip: asRoot ? false : 'needs root to add users and cron files' }, async (t) => {
  const reset = (): void => {
    quiet('userdel', ['-r', USER]);
    quiet('groupdel', [GROUP]);
    rmSync(`/etc/cron.d/${CRON_FILE}`, { force: true });
  };
  try {
    await withParityLab(async (p) => {
      await t.test('group and user: check mode, create, idempotent, change, remove', async () => {
        const steps: Step[] = [
          { label: 'group (check)', module: 'group', args: { name: GROUP }, check: true },
          { label: 'group', module: 'group', args: { name: GROUP, gid: 4711 } },
          { label: 'group again', module: 'group', args: { name: GROUP, gid: 4711 } },
          { label: 'user (check)', module: 'user', args: { name: USER, uid: 4712 }, check: true },
          { label: 'user', module: 'user', args: { name: USER, uid: 4712, groups: [GROUP], shell: '/bin/sh', create_home: false } },
          { label: 'user again', module: 'user', args: { name: USER, uid: 4712, groups: [GROUP], shell: '/bin/sh', create_home: false } },
          { label: 'user shell change', module: 'user', args: { name: USER, shell: '/bin/bash' } },
          { label: 'user removed', module: 'user', args: { name: USER, state: 'absent' } },
          { label: 'user removed again', module: 'user', args: { name: USER, state: 'absent' } },
          { label: 'group removed', module: 'group', args: { name: GROUP, state: 'absent' } },
        ];
        await p.compare(steps, reset);
      });

      await t.test('cron in a cron.d file: check mode, add, idempotent, remove', { skip: hasCrontab ? false : 'crontab is not installed (apt-get install cron)' }, async () => {
        const job = { name: 'ftl parity', minute: '5', job: 'echo hi', user: 'root', cron_file: CRON_FILE };
        const steps: Step[] = [
          { label: 'cron (check)', module: 'cron', args: job, check: true },
          { label: 'cron', module: 'cron', args: job },
          { label: 'cron again', module: 'cron', args: job },
          { label: 'cron changed', module: 'cron', args: { ...job, minute: '7' } },
          { label: 'cron removed', module: 'cron', args: { name: 'ftl parity', cron_file: CRON_FILE, user: 'root', state: 'absent' } },
        ];
        await p.compare(steps, reset);
        assert.equal(existsSync(`/etc/cron.d/${CRON_FILE}`), false, 'removing the last job removes the file');
      });
    });
  } finally {
    reset();
  }
});
