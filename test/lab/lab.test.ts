// @tier full: real sshd, Ansible or tmux (see scripts/run-tests.mjs)
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Command } from 'commander';
import { registerLabCommand } from '../../src/commands/lab.js';
import { FtlError } from '../../src/base/errors.js';
import { hostPaths } from '../../src/lab/files.js';
import { labUp } from '../../src/lab/lab.js';
import { tcpAccepts } from '../../src/lab/procs.js';
import { automation } from '../../src/run/automation.js';
import { runAnsible } from '../helpers/ansible.js';
import { run } from '../helpers/exec.js';
import { withLab } from '../helpers/lab.js';
import { isAlive } from '../../src/lab/procs.js';

test('a lab of 2 real sshd hosts: inventory for ansible, hosts stop and start, down cleans up', { timeout: 180_000 }, async () => {
  let pids: number[] = [];
  let dir = '';
  await withLab(2, async (lab) => {
    dir = lab.dir;
    const inv = readFileSync(lab.inventoryPath, 'utf8');
    assert.match(inv, /lab:\n\s+hosts:\n\s+lab01:/);
    assert.match(inv, /UserKnownHostsFile=.*known_hosts -o StrictHostKeyChecking=yes/);
    // Real Ansible reaches the lab hosts with strict host key checking.
    const r = await runAnsible('lab02', 'ping', { data: 'pong' }, { inventory: lab.inventoryPath });
    assert.equal(r.ping, 'pong');

    const lab01 = lab.host('lab01');
    lab.status().forEach((h) => {
      assert.equal(h.running, true, `${h.name} runs`);
    });
    pids = lab.status().map((h) => h.pid ?? -1);
    await lab.stopHost('lab01');
    assert.equal(lab.isRunning('lab01'), false);
    assert.equal(await tcpAccepts(lab01.address, lab01.port), false, 'a stopped host refuses connections');
    assert.equal(lab.isRunning('lab02'), true, 'the other host runs on');
    await lab.startHost('lab01');
    assert.equal(await tcpAccepts(lab01.address, lab01.port), true);
    pids.push(lab.status()[0]?.pid ?? -1);
  });
  assert.equal(existsSync(dir), false, 'lab down removes the directory');
  // A killed sshd may stay a zombie until Node reaps it: gone means not running.
  for (const pid of pids) assert.equal(isAlive(pid), false, `sshd ${String(pid)} is gone`);
});

test('a missing sshd is a clear FTL_LAB error naming openssh-server', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ftl-lab-nosshd-'));
  try {
    await assert.rejects(labUp({ count: 1, dir: join(dir, 'lab'), sshd: '/nonexistent/sshd' }), (e: unknown) => {
      assert.ok(e instanceof FtlError);
      assert.equal(e.code, 'FTL_LAB');
      assert.match(e.message, /openssh-server/);
      return true;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('ftl lab up / status / down from the command line', { timeout: 120_000 }, async () => {
  const parent = mkdtempSync(join(tmpdir(), 'ftl-lab-cli-'));
  const dir = join(parent, 'lab');
  const cli = async (...args: string[]): Promise<string> => {
    const out: string[] = [];
    const program = new Command().exitOverride();
    registerLabCommand(program, { write: (text: string) => out.push(text) });
    await program.parseAsync(['node', 'ftl', 'lab', ...args]);
    return out.join('');
  };
  try {
    const up = await cli('up', '2', '--dir', dir);
    assert.match(up, /2 lab hosts up/);
    assert.ok(up.includes(`ftl -i ${dir}/inventory.yml`), up);
    assert.ok(up.includes(`ftl run -i ${dir}/inventory.yml lab ping`), up);
    const status = await cli('status', '--dir', dir);
    assert.match(status, /lab01 .* running \(pid \d+\)/);
    assert.match(status, /2\/2 running/);
    await assert.rejects(cli('up', '1', '--dir', dir), /a lab exists in/);
    assert.match(await cli('down', '--dir', dir), /stopped and removed/);
    assert.equal(existsSync(dir), false);
  } finally {
    await cli('down', '--dir', dir).catch(() => undefined);
    rmSync(parent, { recursive: true, force: true });
  }
});

test('ownHomes: each lab host logs in with a home of its own, and a gate deploys into each', { timeout: 120_000 }, async () => {
  const parent = mkdtempSync(join(tmpdir(), 'ftl-lab-homes-'));
  const lab = await labUp({ count: 2, dir: join(parent, 'lab'), ownHomes: true });
  try {
    for (const h of lab.hosts) {
      const home = await run('ssh', ['-i', lab.keyPath, '-o', `UserKnownHostsFile=${lab.knownHostsPath}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', '-p', String(h.port), `${lab.user}@${h.address}`, 'echo "$HOME"']);
      assert.equal(home.trim(), hostPaths(h).home, `${h.name} logs in to its own home`);
    }
    const ftl = await automation({ inventory: lab.inventoryPath });
    try {
      const r = await ftl.run('lab', 'ping');
      assert.deepEqual([...r.ok].sort(), ['lab01', 'lab02']);
    } finally {
      await ftl.close();
    }
    for (const h of lab.hosts) {
      const gates = readdirSync(join(hostPaths(h).home, '.ftl')).filter((f) => f.endsWith('.pyz'));
      assert.equal(gates.length, 1, `${h.name} got its own gate`);
    }
  } finally {
    await lab.down();
    rmSync(parent, { recursive: true, force: true });
  }
});
