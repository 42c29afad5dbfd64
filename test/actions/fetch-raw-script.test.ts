// @tier full: real sshd, Ansible or tmux (see scripts/run-tests.mjs)
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { automation, type Ftl } from '../../src/run/automation.js';
import type { AnsibleResult } from '../helpers/ansible.js';
import { withLab } from '../helpers/lab.js';
import { compareSteps, compareStepsOnHosts, type ActionStep } from './compare.js';
import { coreOf } from '../../src/run/ftl-object.js';

/** Python's splitlines, to recompute lines after normalising text. */
const lines = (s: string): string[] => (s === '' ? [] : s.replace(/\n$/, '').split('\n'));

/**
 * Ansible runs raw and script over SSH in a terminal (ssh -tt): output lines end in \r\n,
 * stderr joins stdout, and ssh adds "Shared connection ... closed." ftl uses no terminal.
 * For commands that write only to stdout, this makes the two comparable.
 */
function noTerminal(r: AnsibleResult, side: 'ansible' | 'ftl'): AnsibleResult {
  if (side === 'ftl' || typeof r.stdout !== 'string') return r;
  const stdout = r.stdout.replace(/\r\n/g, '\n');
  const stderr = (typeof r.stderr === 'string' ? r.stderr : '').replace(/\r\n/g, '\n').replace(/^Shared connection to \S+ closed\.\n/m, '');
  return { ...r, stdout, stdout_lines: lines(stdout), stderr, stderr_lines: lines(stderr) };
}

describe('fetch, raw and script on localhost return what ansible returns', () => {
  let ftl: Ftl;
  let dir: string;
  before(async () => {
    ftl = await automation();
    dir = mkdtempSync(join(tmpdir(), 'ftl-frs-'));
  });
  after(async () => {
    await ftl.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const reset = (): void => {
    rmSync(join(dir, 'w'), { recursive: true, force: true });
    mkdirSync(join(dir, 'w', 'remote', 'sub'), { recursive: true });
    mkdirSync(join(dir, 'w', 'fetched'), { recursive: true });
    writeFileSync(join(dir, 'w', 'remote', 'file.txt'), 'remote text\n');
    writeFileSync(join(dir, 'w', 'remote', 'bytes.bin'), Buffer.from(Array.from({ length: 256 }, (_, i) => 255 - i)));
    writeFileSync(join(dir, 'w', 'script.sh'), '#!/bin/sh\necho "args: $*"\necho "cwd: $(pwd)"\necho "to stderr" >&2\nexit "${EXIT:-0}"\n');
    chmodSync(join(dir, 'w', 'script.sh'), 0o755);
    writeFileSync(join(dir, 'w', 'failing.sh'), '#!/bin/sh\necho failing\nexit 3\n');
  };
  const w = (p: string): string => join(dir, 'w', p);

  it('fetch: dest/<host>/<path>, flat, idempotent, missing files, directories, check mode', async () => {
    const steps: ActionStep[] = [
      { label: 'a file', module: 'fetch', args: { src: w('remote/file.txt'), dest: w('fetched') } },
      { label: 'the same file again', module: 'fetch', args: { src: w('remote/file.txt'), dest: w('fetched') } },
      { label: 'a binary file, flat into a directory', module: 'fetch', args: { src: w('remote/bytes.bin'), dest: `${w('fetched/flat')}/`, flat: true } },
      { label: 'flat to a file name', module: 'fetch', args: { src: w('remote/file.txt'), dest: w('fetched/renamed.txt'), flat: true } },
      { label: 'a missing file fails', module: 'fetch', args: { src: w('remote/nope'), dest: w('fetched') } },
      { label: 'a missing file, not failing', module: 'fetch', args: { src: w('remote/nope'), dest: w('fetched'), fail_on_missing: false } },
      { label: 'a directory fails', module: 'fetch', args: { src: w('remote/sub'), dest: w('fetched') } },
      { label: 'check mode skips', module: 'fetch', args: { src: w('remote/file.txt'), dest: w('fetched') }, check: true },
    ];
    await compareSteps(ftl, 'localhost', steps, reset);
    assert.equal(readFileSync(w(`fetched/localhost${w('remote/file.txt')}`), 'utf8'), 'remote text\n');
    assert.deepEqual(readFileSync(w('fetched/flat/bytes.bin')), readFileSync(w('remote/bytes.bin')));
  });

  it('raw: output, exit codes, check mode', async () => {
    const steps: ActionStep[] = [
      { label: 'output on both streams', module: 'raw', args: { _raw_params: 'echo out; echo err >&2' } },
      { label: 'a failing command', module: 'raw', args: { _raw_params: 'echo partial; exit 3' } },
      { label: 'another shell', module: 'raw', args: { _raw_params: 'echo $0', executable: '/bin/bash' } },
      { label: 'check mode skips', module: 'raw', args: { _raw_params: 'touch /should/not/run' }, check: true },
    ];
    await compareSteps(ftl, 'localhost', steps, reset);
  });

  it('raw: maxOutput keeps the first bytes of each stream and says how many were left out', async () => {
    const r = await ftl.run('localhost', 'raw', 'head -c 200000 /dev/zero | tr "\\0" y; printf "é%.0s" $(seq 600) >&2', { maxOutput: 1001 });
    const h = r.host('localhost');
    assert.ok(h !== undefined, 'a result for localhost');
    assert.equal(h.stdout, 'y'.repeat(1001));
    assert.equal(h.stdout_truncated_bytes, 200_000 - 1001);
    // é is two bytes: a cut at 1001 bytes keeps 500 whole ones and counts the half as left out.
    assert.equal(h.stderr, 'é'.repeat(500));
    assert.equal(h.stderr_truncated_bytes, 1200 - 1000);
    assert.equal(h.truncated, true);
    const small = await ftl.run('localhost', 'raw', 'echo fits', { maxOutput: 1001 });
    assert.equal(small.host('localhost')?.truncated, undefined, 'nothing cut, nothing said');
  });

  it('raw: a timeout or Ctrl-C ends the command and everything it started', async () => {
    const marker = `ftl-raw-${process.pid}`;
    const running = (): boolean => {
      try {
        return execFileSync('pgrep', ['-f', marker], { encoding: 'utf8' }).trim() !== '';
      } catch {
        return false;
      }
    };
    const timedOut = await ftl.run('localhost', 'raw', `sh -c 'sleep 30; echo ${marker}' && echo done`, { timeout: 1 });
    assert.deepEqual(timedOut.failed, ['localhost']);
    assert.match(String(timedOut.host('localhost')?.msg), /timed out after 1 s/);
    assert.equal(running(), false, 'the command and its children are gone');
    const abort = new AbortController();
    const call = ftl.run('localhost', 'raw', `sh -c 'sleep 30; echo ${marker}'`, { signal: abort.signal });
    setTimeout(() => {
      abort.abort();
    }, 300);
    assert.deepEqual((await call).cancelled, ['localhost']);
    assert.equal(running(), false);
  });

  it('script: arguments, chdir, creates/removes, failures, check mode', async () => {
    const steps: ActionStep[] = [
      { label: 'with arguments and chdir', module: 'script', args: { _raw_params: `${w('script.sh')} one 'two words'`, chdir: '/tmp' } },
      { label: 'creates: an existing file skips', module: 'script', args: { _raw_params: w('script.sh'), creates: w('remote/file.txt') } },
      { label: 'removes: a missing file skips', module: 'script', args: { _raw_params: w('script.sh'), removes: w('remote/nope') } },
      { label: 'a failing script', module: 'script', args: { _raw_params: w('failing.sh'), chdir: '/' } },
      { label: 'through an interpreter', module: 'script', args: { _raw_params: `${w('failing.sh')} x`, executable: '/bin/sh', chdir: '/' } },
      { label: 'check mode without creates skips', module: 'script', args: { _raw_params: w('script.sh') }, check: true },
      { label: 'check mode with creates says changed', module: 'script', args: { _raw_params: w('script.sh'), creates: w('remote/nope') }, check: true },
    ];
    // Ansible's action failures carry exception "NoneType: None" (no traceback at all).
    await compareSteps(ftl, 'localhost', steps.map((s) => ({ ...s, normalise: { drop: ['exception'] } })), reset);
  });
});

describe('fetch, raw and script on lab hosts over SSH', () => {
  it('return what ansible returns on the same hosts', { timeout: 300_000 }, async () => {
    await withLab(2, async (lab) => {
      const dir = mkdtempSync(join(tmpdir(), 'ftl-frs-lab-'));
      const ftl = await automation({ inventory: lab.inventoryPath });
      try {
        writeFileSync(join(dir, 'remote.txt'), 'on the host\n');
        writeFileSync(join(dir, 'script.sh'), '#!/bin/sh\necho "script on $(hostname) with $1"\n');
        const reset = (): void => {
          rmSync(join(dir, 'fetched'), { recursive: true, force: true });
        };
        const hosts = ['lab01', 'lab02'];
        const steps = (host: string): ActionStep[] => [
          { label: `${host}: fetch`, module: 'fetch', args: { src: join(dir, 'remote.txt'), dest: join(dir, 'fetched') } },
          { label: `${host}: fetch again`, module: 'fetch', args: { src: join(dir, 'remote.txt'), dest: join(dir, 'fetched') } },
          { label: `${host}: raw`, module: 'raw', args: { _raw_params: 'echo "raw on $(hostname)"; exit 0' } },
          { label: `${host}: raw failing`, module: 'raw', args: { _raw_params: 'echo nope; exit 5' } },
          { label: `${host}: script`, module: 'script', args: { _raw_params: `${join(dir, 'script.sh')} arg` } },
        ];
        // Ansible's side for both hosts in one ansible-playbook run (each host fetches into its own dest/<host>).
        await compareStepsOnHosts(ftl, hosts, steps, reset, { inventory: lab.inventoryPath, fix: noTerminal });
        for (const host of hosts) assert.ok(existsSync(join(dir, 'fetched', host, dir, 'remote.txt')), `fetched into dest/${host}/<path>`);
        // Without a terminal, stderr stays apart from stdout (Ansible's ssh -tt merges them).
        const r = await ftl.run('lab01', 'raw', 'echo out; echo err >&2');
        assert.deepEqual([r.host('lab01')?.stdout, r.host('lab01')?.stderr], ['out\n', 'err\n']);
        // maxOutput holds raw's output as it holds a module's: the first bytes, the rest counted.
        const big = await ftl.run('lab01', 'raw', 'head -c 300000 /dev/zero | tr "\\0" x; echo tail >&2', { maxOutput: 1000 });
        const bigR = big.host('lab01');
        assert.deepEqual([String(bigR?.stdout).length, bigR?.stdout_truncated_bytes, bigR?.truncated, bigR?.stderr], [1000, 299_000, true, 'tail\n']);
        // raw needs no Python: it works with an interpreter that does not exist.
        const nopy = await automation({ inventory: lab.inventoryPath });
        try {
          coreOf(nopy).inventory.addHost('lab01', { ansible_python_interpreter: '/nonexistent/python3' });
          const raw = await nopy.run('lab01', 'raw', 'echo no python needed');
          assert.equal(raw.host('lab01')?.stdout, 'no python needed\n');
          const ping = await nopy.run('lab01', 'ping');
          assert.deepEqual(ping.unreachable.length + ping.failed.length, 1, 'a module does need Python');
        } finally {
          await nopy.close();
        }
        // become: the command runs as the become user.
        const asNobody = await ftl.run('lab02', 'raw', 'id -un', { become: 'nobody' });
        assert.equal(asNobody.host('lab02')?.stdout, 'nobody\n');
      } finally {
        await ftl.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
