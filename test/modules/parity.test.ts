// @tier full: real sshd, Ansible or tmux (see scripts/run-tests.mjs)
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { automation, type Ftl } from '../../src/run/automation.js';
import { ensureGate } from '../../src/gate/pyz.js';
import { spawnLocalGate } from '../../src/gate/local.js';
import { GateClient } from '../../src/gate/client.js';
import { NATIVE_MODULES } from '../../src/modules/native.js';
import { runAnsibleCalls, type AnsibleCall } from '../helpers/ansible.js';

const VOLATILE = new Set(['action', 'start', 'end', 'delta', 'invocation', 'atime', 'mtime', 'ctime', '_ansible_no_log', 'warnings', 'deprecations', 'diff']);

/** Times, Ansible's bookkeeping, and keys only the controller adds are not the module's answer. */
function normalise(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalise);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(
    Object.entries(v)
      .filter(([k]) => !VOLATILE.has(k) && !k.startsWith('_ansible'))
      .map(([k, x]) => [k, normalise(x)]),
  );
}

describe("Ansible modules through ftl's gate return what ansible returns", () => {
  let ftl: Ftl;
  let dir: string;
  let theirs: Map<string, Record<string, unknown>>;
  const at = (p: string): string => join(dir, p);
  /**
   * Every call Ansible answers for this file, in order, in one ansible-playbook run (one
   * ansible start-up instead of one per call). Each compared call finds the state its test
   * gives ftl's call; the calls marked setup only make that state (as ftl's own calls do in
   * the tests) and are not compared.
   */
  const oracleCalls = (): [string, AnsibleCall][] => [
    ['stat a file', { module: 'stat', args: { path: at('f') } }],
    ['stat a directory', { module: 'stat', args: { path: dir, get_checksum: false } }],
    ['stat a missing path', { module: 'stat', args: { path: at('missing') } }],
    ['file in check mode', { module: 'file', args: { path: at('touched'), state: 'directory', mode: '0750' }, check: true }],
    ['setup: file for real', { module: 'file', args: { path: at('touched'), state: 'directory', mode: '0750' } }],
    ['file again', { module: 'file', args: { path: at('touched'), state: 'directory', mode: '0750' } }],
    ['setup: lineinfile a change', { module: 'lineinfile', args: { path: at('conf'), regexp: '^a=', line: 'a=2' } }],
    ['lineinfile no change', { module: 'lineinfile', args: { path: at('conf'), regexp: '^a=', line: 'a=2' } }],
    ['command output', { module: 'command', args: { argv: ['echo', 'x y'] } }],
    ['command failing', { module: 'command', args: { cmd: 'false' } }],
  ];
  const startState = (): void => {
    rmSync(at('touched'), { recursive: true, force: true });
    writeFileSync(at('f'), 'hello\n');
    writeFileSync(at('conf'), 'a=1\n');
  };
  before(async () => {
    ftl = await automation();
    dir = mkdtempSync(join(tmpdir(), 'ftl-parity-'));
    startState();
    const calls = oracleCalls();
    const results = await runAnsibleCalls('localhost', calls.map(([, c]) => c));
    theirs = new Map(calls.map(([name], i) => [name, results[i] ?? {}]));
    startState();
  });
  after(async () => {
    await ftl.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** ftl's answer to the named oracle call, compared with Ansible's. */
  const same = async (name: string): Promise<Record<string, unknown>> => {
    const call = oracleCalls().find(([n]) => n === name)?.[1];
    if (call === undefined) throw new Error(`no oracle call named ${name}`);
    const check = call.check === true;
    const ours = (await ftl.run('localhost', call.module, call.args, { check })).host('localhost') ?? {};
    assert.deepEqual(normalise(ours), normalise(theirs.get(name)), `${call.module} ${JSON.stringify(call.args)}${check ? ' --check' : ''}`);
    return ours;
  };

  it('stat: a file, a directory, a missing path', async () => {
    writeFileSync(join(dir, 'f'), 'hello\n');
    await same('stat a file');
    await same('stat a directory');
    await same('stat a missing path');
  });

  it('file in check mode changes nothing; then for real, then idempotent', async () => {
    const p = join(dir, 'touched');
    await same('file in check mode');
    assert.equal(existsSync(p), false, 'check mode left the disk alone');
    const made = await ftl.run('localhost', 'file', { path: p, state: 'directory', mode: '0750' });
    assert.deepEqual(made.changed, ['localhost']);
    await same('file again');
  });

  it('lineinfile: a change, then no change', async () => {
    const p = join(dir, 'conf');
    writeFileSync(p, 'a=1\n');
    const first = await ftl.run('localhost', 'lineinfile', { path: p, regexp: '^a=', line: 'a=2' });
    assert.deepEqual(first.changed, ['localhost']);
    await same('lineinfile no change');
  });

  it('command: output, rc and a failure', async () => {
    await same('command output');
    await same('command failing');
  });
});

describe('native modules', () => {
  it('the controller lists exactly what the gate runs natively', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ftl-native-'));
    const gate = await ensureGate({ cacheDir: dir });
    const s = await GateClient.open(spawnLocalGate(gate.path), { host: 'localhost' });
    try {
      const r = await s.request('ListModules', {});
      const names = (r.data.modules as { name: string }[]).map((m) => m.name).sort();
      assert.deepEqual(names, [...NATIVE_MODULES].sort());
    } finally {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
