// @tier full: real sshd, Ansible or tmux (see scripts/run-tests.mjs)
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Command } from 'commander';
import { registerLabCommand } from '../../src/commands/lab.js';
import { labUp } from '../../src/lab/lab.js';
import { commandLine } from '../../src/lab/procs.js';
import { automation } from '../../src/run/automation.js';
import { FTL_BIN, ftl } from '../helpers/ftl.js';
import { withLab } from '../helpers/lab.js';

function mountCount(): number {
  return readFileSync('/proc/self/mountinfo', 'utf8').trim().split('\n').length;
}

/** Processes whose command line mentions text (a lab dir, a marker). */
function processesWith(text: string): number[] {
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n) && Number(n) !== process.pid)
    .map(Number)
    .filter((pid) => commandLine(pid).includes(text));
}

function stdoutOf(r: { host(name: string): Readonly<Record<string, unknown>> | undefined }, host: string): string {
  const out = r.host(host)?.stdout;
  return typeof out === 'string' ? out.trim() : '';
}

test('an isolated lab of 3: three hostnames, files made on one host are nowhere else, facts differ, nothing left mounted or running', { timeout: 240_000 }, async () => {
  const mountsBefore = mountCount();
  const marker = `ftl-iso-${String(process.pid)}-${String(Date.now())}`;
  let dir = '';
  await withLab(
    3,
    async (lab) => {
      dir = lab.dir;
      assert.ok(lab.spec.isolation !== undefined, `this machine (root here and in CI) gives namespaces; warning: ${String(lab.warning)}`);
      assert.equal(mountCount(), mountsBefore, "the hosts' mounts live in their namespaces, not the controller's");
      const ftlx = await automation({ inventory: lab.inventoryPath });
      try {
        const names = await ftlx.run('lab', 'command', { cmd: 'hostname' });
        assert.deepEqual(
          ['lab01', 'lab02', 'lab03'].map((h) => stdoutOf(names, h)),
          ['lab01', 'lab02', 'lab03'],
        );
        assert.equal(stdoutOf(await ftlx.run('lab02', 'command', { cmd: 'cat /etc/hostname' }), 'lab02'), 'lab02');

        // The complaint that started it: a directory made on every host is a change on every host.
        const dirs = await ftlx.run('lab', 'file', { path: `/tmp/${marker}.d`, state: 'directory' });
        assert.deepEqual([...dirs.changed].sort(), ['lab01', 'lab02', 'lab03']);

        // On lab01 only: /tmp, home and /etc.
        const made = await ftlx.run('lab01', 'shell', { cmd: `touch /tmp/${marker} ~/${marker} /etc/${marker} && echo ~` });
        assert.deepEqual(made.changed, ['lab01'], JSON.stringify(made.hosts));
        const home = stdoutOf(made, 'lab01');
        const seen = await ftlx.run('lab', 'shell', { cmd: `for f in /tmp/${marker} ~/${marker} /etc/${marker}; do [ -e "$f" ] && echo "$f"; done; true` });
        assert.equal(stdoutOf(seen, 'lab01').split('\n').length, 3, 'lab01 sees its three files');
        assert.equal(stdoutOf(seen, 'lab02'), '', 'lab02 sees none of them');
        assert.equal(stdoutOf(seen, 'lab03'), '', 'lab03 sees none of them');
        for (const f of [`/tmp/${marker}`, join(home, marker), `/etc/${marker}`]) assert.equal(existsSync(f), false, `the controller has no ${f}`);

        // Facts follow the hostname.
        const facts = await ftlx.run('lab', 'setup', { gather_subset: ['!all', 'min'] });
        const fact = (h: string, k: string): unknown => (facts.host(h)?.ansible_facts as Record<string, unknown> | undefined)?.[k];
        assert.deepEqual(
          ['lab01', 'lab02', 'lab03'].map((h) => [fact(h, 'ansible_hostname'), fact(h, 'ansible_nodename')]),
          [
            ['lab01', 'lab01'],
            ['lab02', 'lab02'],
            ['lab03', 'lab03'],
          ],
        );

        // A host that goes down and comes back keeps its disk; what its sessions left running dies with it.
        await ftlx.run('lab03', 'shell', { cmd: `nohup sleep 3171 >/dev/null 2>&1 & touch /tmp/${marker}.kept` });
      } finally {
        await ftlx.close();
      }
      {
        assert.ok(processesWith('sleep 3171').length > 0, 'the background process runs');
        await lab.stopHost('lab03');
        assert.ok(!processesWith('sleep 3171').some((pid) => existsSync(`/proc/${String(pid)}`) && readFileSync(`/proc/${String(pid)}/stat`, 'utf8').split(' ')[2] !== 'Z'), 'stopping the host killed its background process');
        await lab.startHost('lab03');
        const again = await automation({ inventory: lab.inventoryPath });
        try {
          const kept = await again.run('lab03', 'stat', { path: `/tmp/${marker}.kept` });
          assert.equal((kept.host('lab03')?.stat as { exists?: boolean } | undefined)?.exists, true, "lab03's /tmp survived its restart");
        } finally {
          await again.close();
        }
      }
    },
    { isolated: true },
  );
  assert.equal(mountCount(), mountsBefore, 'no mount left behind');
  assert.deepEqual(processesWith(dir), [], 'no sshd left behind');
});

test('ftl lab up --groups web:2,db:1: an inventory with the groups, ftl run web ping reaches 2 hosts, down leaves nothing', { timeout: 180_000 }, async () => {
  const parent = mkdtempSync(join(tmpdir(), 'ftl-lab-groups-'));
  const dir = join(parent, 'lab');
  const mountsBefore = mountCount();
  const cli = async (...args: string[]): Promise<string> => {
    const out: string[] = [];
    const program = new Command().exitOverride();
    registerLabCommand(
      program,
      { write: (text: string) => out.push(text) },
      { write: (text: string) => out.push(text) },
    );
    await program.parseAsync(['node', 'ftl', 'lab', ...args]);
    return out.join('');
  };
  try {
    const up = await cli('up', '--groups', 'web:2,db:1', '--dir', dir);
    assert.match(up, /3 lab hosts up in [\d.]+ s .*each with its own hostname/);
    assert.match(up, /groups web \(2\), db \(1\)/);
    assert.doesNotMatch(up, /warning/);
    const inv = `${dir}/inventory.yml`;
    const graph = await ftl(['inventory', '-i', inv, '--graph']);
    assert.match(graph.stdout, /@web:\n.*--web01\n.*--web02/);
    assert.match(graph.stdout, /@db:\n.*--db01/);
    const env = { HOME: join(parent, 'home') };
    const ping = await ftl(['run', '-i', inv, 'web', 'ping'], { env });
    assert.equal(ping.code, 0, ping.stdout + ping.stderr);
    assert.match(ping.stdout, /ok\s+web\[01-02\] \(2\)/);
    assert.doesNotMatch(ping.stdout, /db01/);
    const names = await ftl(['run', '-i', inv, 'all', 'command', 'cmd=hostname', '--json'], { env });
    assert.deepEqual(
      names.stdout
        .split('\n')
        .filter((l) => l.includes('"host"'))
        .map((l) => (JSON.parse(l) as { result: { stdout: string } }).result.stdout)
        .sort(),
      ['db01', 'web01', 'web02'],
    );
    const status = await cli('status', '--dir', dir);
    assert.match(status, /web01 .* web +running/);
    assert.match(status, /3\/3 running · own hostname/);
    assert.match(await cli('down', '--dir', dir), /stopped and removed/);
    assert.deepEqual(processesWith(dir), [], 'no sshd left');
    assert.equal(mountCount(), mountsBefore, 'no mount left');
  } finally {
    await cli('down', '--dir', dir).catch(() => undefined);
    rmSync(parent, { recursive: true, force: true });
  }
});

test('without namespaces (here: no unshare) the lab is shared, with a one-line warning saying why', { timeout: 60_000 }, async () => {
  const parent = mkdtempSync(join(tmpdir(), 'ftl-lab-nons-'));
  const lab = await labUp({ count: 1, dir: join(parent, 'lab'), isolated: true, unshare: '/nonexistent/unshare' });
  try {
    assert.equal(lab.spec.isolation, undefined);
    assert.match(lab.warning ?? '', /share this machine's hostname and files: unshare not found \(install util-linux\)/);
    assert.equal(lab.status()[0]?.running, true);
  } finally {
    await lab.down();
    rmSync(parent, { recursive: true, force: true });
  }
});

test('Ctrl-C during ftl lab up stops the hosts already started', { timeout: 120_000 }, async () => {
  const parent = mkdtempSync(join(tmpdir(), 'ftl-lab-int-'));
  const dir = join(parent, 'lab');
  try {
    // 40 hosts start in three batches (16 at a time): when the first host's pid file shows, two
    // batches are still to come however fast this machine is (12 hosts in one batch raced it).
    const child = spawn(process.execPath, [FTL_BIN, 'lab', 'up', '40', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr.on('data', (b: Buffer) => (output += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
    // Interrupt once the first host has started, while others are still to come.
    const until = Date.now() + 60_000;
    while (!existsSync(join(dir, 'lab01', 'sshd.pid')) && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    child.kill('SIGINT');
    const code = await exited;
    assert.notEqual(code, 0, output);
    assert.match(output, /interrupted/);
    assert.deepEqual(processesWith(dir), [], 'no sshd left');
    assert.equal(existsSync(dir), false, 'the lab dir is removed');
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
});

test('a tied lab dies with its controller: a crashed test run leaves no sshd and no namespace behind', { timeout: 120_000 }, async () => {
  const parent = mkdtempSync(join(tmpdir(), 'ftl-lab-tied-'));
  const dir = join(parent, 'lab');
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures', 'tied-lab.ts'), dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stderr.on('data', (b: Buffer) => (output += b.toString()));
    const line = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (b: Buffer) => {
        output += b.toString();
        if (output.includes('\n')) resolve(output);
      });
      child.once('close', () => {
        reject(new Error(`the controller exited before its lab was up: ${output}`));
      });
    });
    const pids = line.trim().split(' ').slice(1).map(Number);
    assert.equal(pids.length, 2, line);
    assert.deepEqual(
      pids.map((p) => commandLine(p).includes(dir)),
      [true, true],
    );
    const closed = new Promise((resolve) => child.once('close', resolve));
    child.kill('SIGKILL');
    await closed;
    const until = Date.now() + 10_000;
    while (processesWith(dir).length > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(processesWith(dir), [], 'the sshds died with their controller');
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
});

test('bench: start-up of 10 isolated lab hosts', { timeout: 120_000 }, async (t) => {
  const parent = mkdtempSync(join(tmpdir(), 'ftl-lab-bench-'));
  try {
    const started = Date.now();
    const lab = await labUp({ count: 10, dir: join(parent, 'lab'), isolated: true });
    const ms = Date.now() - started;
    try {
      assert.equal(lab.status().filter((h) => h.running).length, 10);
    } finally {
      await lab.down();
    }
    // Measured, not asserted: the machine is shared.
    t.diagnostic(`bench: 10 isolated lab hosts up in ${String(ms)} ms (${String(lab.spec.isolation)})`);
    console.log(`bench: 10 isolated lab hosts up in ${String(ms)} ms (${String(lab.spec.isolation)})`);
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
});
