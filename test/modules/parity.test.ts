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
import { run } from '../helpers/exec.js';

/** What `ansible localhost -m MODULE -a JSON` returns, through the json callback. */
async function ansible(module: string, args: Record<string, unknown>, check = false): Promise<Record<string, unknown>> {
  const out = await run('ansible', ['localhost', '-c', 'local', '-m', module, '-a', JSON.stringify(args), ...(check ? ['--check'] : [])], {
    ANSIBLE_LOAD_CALLBACK_PLUGINS: '1',
    ANSIBLE_STDOUT_CALLBACK: 'json',
    ANSIBLE_PYTHON_INTERPRETER: '/usr/bin/python3',
  }, 120_000, [0, 2, 4]);
  const parsed = JSON.parse(out.slice(out.indexOf('{'))) as { plays: { tasks: { hosts: Record<string, Record<string, unknown>> }[] }[] };
  return parsed.plays[0]?.tasks[0]?.hosts.localhost ?? {};
}

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
  before(async () => {
    ftl = await automation();
    dir = mkdtempSync(join(tmpdir(), 'ftl-parity-'));
  });
  after(async () => {
    await ftl.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const same = async (module: string, args: Record<string, unknown>, check = false): Promise<Record<string, unknown>> => {
    const theirs = await ansible(module, args, check);
    const ours = (await ftl.run('localhost', module, args, { check })).host('localhost') ?? {};
    assert.deepEqual(normalise(ours), normalise(theirs), `${module} ${JSON.stringify(args)}${check ? ' --check' : ''}`);
    return ours;
  };

  it('stat: a file, a directory, a missing path', async () => {
    writeFileSync(join(dir, 'f'), 'hello\n');
    await same('stat', { path: join(dir, 'f') });
    await same('stat', { path: dir, get_checksum: false });
    await same('stat', { path: join(dir, 'missing') });
  });

  it('file in check mode changes nothing; then for real, then idempotent', async () => {
    const p = join(dir, 'touched');
    await same('file', { path: p, state: 'directory', mode: '0750' }, true);
    assert.equal(existsSync(p), false, 'check mode left the disk alone');
    const made = await ftl.run('localhost', 'file', { path: p, state: 'directory', mode: '0750' });
    assert.deepEqual(made.changed, ['localhost']);
    await same('file', { path: p, state: 'directory', mode: '0750' });
  });

  it('lineinfile: a change, then no change', async () => {
    const p = join(dir, 'conf');
    writeFileSync(p, 'a=1\n');
    const first = await ftl.run('localhost', 'lineinfile', { path: p, regexp: '^a=', line: 'a=2' });
    assert.deepEqual(first.changed, ['localhost']);
    await same('lineinfile', { path: p, regexp: '^a=', line: 'a=2' });
  });

  it('command: output, rc and a failure', async () => {
    await same('command', { argv: ['echo', 'x y'] });
    await same('command', { cmd: 'false' });
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
