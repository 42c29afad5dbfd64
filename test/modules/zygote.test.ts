// @tier full: real sshd, Ansible or tmux (see scripts/run-tests.mjs)
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ensureGate } from '../../src/gate/pyz.js';
import { spawnLocalGate } from '../../src/gate/local.js';
import { GateClient } from '../../src/gate/client.js';
import { normalise, runAnsibleCalls, type AnsibleCall, type NormaliseOptions } from '../helpers/ansible.js';
import { alive, FIXTURE_MODULES, openModuleGate, type ModuleGate } from './module-gate.js';

const PYTHON38 = ['/usr/bin/python3.8', '/usr/local/bin/python3.8', join(homedir(), '.pyenv', 'versions', '3.8.18', 'bin', 'python3')].find((p) => existsSync(p));

async function waitFor(what: string, test: () => boolean, ms = 60_000): Promise<void> {
  const until = Date.now() + ms;
  while (!test()) {
    if (Date.now() > until) throw new Error(`gave up waiting for ${what}`);
    await sleep(50);
  }
}

/** Starts ftl_sleep (a module and its `sleep`), cancels the call once both run, and waits for both to be killed. */
async function cancelSleep(gate: ModuleGate, pidfile: string): Promise<void> {
  const abort = new AbortController();
  const call = gate.call('ftl_sleep', { pidfile }, { signal: abort.signal });
  call.catch(() => undefined);
  await waitFor('the module to start its sleep', () => existsSync(pidfile));
  const pids = readFileSync(pidfile, 'utf8').split(' ').map(Number);
  assert.ok(pids.every(alive));
  abort.abort();
  await assert.rejects(call, /cancelled/);
  await waitFor(`module and sleep (${pids.join(', ')}) to be killed`, () => !pids.some(alive));
}

interface Step extends AnsibleCall {
  label: string;
  normalise?: NormaliseOptions;
  /** Compared apart from the rest (e.g. a traceback's last line: its file paths differ). */
  apart?: (r: Record<string, unknown>) => unknown;
}

describe('Ansible modules in the gate: forked from the zygote, or each in a new interpreter', () => {
  let zygote: ModuleGate;
  let fresh: ModuleGate;
  let dir: string;
  before(async () => {
    [zygote, fresh] = await Promise.all([openModuleGate({ zygote: true }), openModuleGate({ zygote: false })]);
    dir = mkdtempSync(join(tmpdir(), 'ftl-zygote-'));
  });
  after(async () => {
    await Promise.all([zygote.close(), fresh.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('return what ansible returns, call for call: stat, lineinfile, copy (module part), setup, tempfile, a crash, noise, an own rc, a respawn, a collection module', async () => {
    const file = join(dir, 'file');
    const conf = join(dir, 'conf');
    const src = join(dir, 'src');
    const dest = join(dir, 'dest');
    const blacklist = join(dir, 'blacklist.conf');
    const reset = (): void => {
      writeFileSync(file, 'hello\n');
      chmodSync(file, 0o644);
      writeFileSync(conf, 'a=1\n');
      writeFileSync(src, 'copied\n');
      rmSync(dest, { force: true });
      rmSync(blacklist, { force: true });
    };
    const lastLine = (r: Record<string, unknown>): unknown => String(r.module_stderr).trim().split('\n').pop();
    const crash: NormaliseOptions = { drop: ['module_stderr', 'exception'] };
    const steps: Step[] = [
      { label: 'a file', module: 'stat', args: { path: file } },
      { label: 'a directory, no checksum', module: 'stat', args: { path: dir, get_checksum: false }, normalise: { drop: ['size', 'nlink'] } },
      { label: 'nothing there', module: 'stat', args: { path: join(dir, 'missing') } },
      { label: 'a change', module: 'lineinfile', args: { path: conf, regexp: '^a=', line: 'a=2' } },
      { label: 'then none', module: 'lineinfile', args: { path: conf, regexp: '^a=', line: 'a=2' } },
      { label: 'check mode', module: 'lineinfile', args: { path: conf, line: 'b=3' }, check: true },
      { label: 'copy a file on the host', module: 'copy', args: { src, dest, remote_src: true, mode: '0640' } },
      { label: 'copy it again', module: 'copy', args: { src, dest, remote_src: true, mode: '0640' } },
      { label: 'relative import', module: 'setup', args: { gather_subset: ['!all', '!min', 'distribution', 'platform'] } },
      { label: 'stdlib tempfile, not the module', module: 'tempfile', args: { state: 'file', suffix: '.ftl' }, normalise: { drop: ['path'] } },
      { label: 'a crash', module: 'ftl_crash', args: {}, normalise: crash, apart: lastLine },
      { label: 'noise around the JSON', module: 'ftl_noise', args: {} },
      { label: 'rc 3 in the JSON, exit code 5', module: 'ftl_rc', args: {} },
      { label: 'respawned under another Python, as apt does', module: 'ftl_respawn', args: { interpreter: '/usr/bin/python3' } },
      { label: 'collection module_utils importing others', module: 'community.general.kernel_blacklist', args: { name: 'ftltest', blacklist_file: blacklist } },
      { label: 'idempotent', module: 'community.general.kernel_blacklist', args: { name: 'ftltest', blacklist_file: blacklist } },
    ];
    reset();
    const theirs = await runAnsibleCalls('localhost', steps, { env: { ANSIBLE_LIBRARY: FIXTURE_MODULES } });
    for (const [name, gate] of [
      ['zygote', zygote],
      ['new interpreter', fresh],
    ] as const) {
      reset();
      for (const [i, s] of steps.entries()) {
        const ours = await gate.call(s.module, s.args, { check: s.check === true });
        // Ansible's callbacks show `failed` only when true (module_helper modules return failed: false).
        if (ours.failed === false) delete ours.failed;
        const want = theirs[i] ?? {};
        const what = `${name}: ${s.label}: ${s.module} ${JSON.stringify(s.args)}`;
        // The files are written again before each side's run: their times differ.
        const n: NormaliseOptions = { ...s.normalise, volatile: ['atime', 'mtime', 'ctime', ...(s.normalise?.volatile ?? [])] };
        assert.deepEqual(normalise(ours, n), normalise(want, n), what);
        if (s.apart !== undefined) assert.deepEqual(s.apart(ours), s.apart(want), what);
      }
    }
    const their = (label: string): Record<string, unknown> => theirs[steps.findIndex((s) => s.label === label)] ?? {};
    assert.match(String(their('a crash').module_stderr), /ZeroDivisionError/, 'the crash is a crash');
    const rc = their('rc 3 in the JSON, exit code 5');
    assert.equal(rc.rc, 3);
    assert.equal(rc.failed, true, 'a non-zero rc without failed is a failure');
    assert.equal(their('respawned under another Python, as apt does').respawned, true);
    assert.equal(readFileSync(blacklist, 'utf8'), 'blacklist ftltest\n');
  });

  it('forks each call from the zygote: own session, default signals, args on stdin, no state left by the call before', async () => {
    const info = await zygote.info();
    const zpid = info.zygote_pid;
    assert.equal(typeof zpid, 'number', `the gate runs a zygote: ${JSON.stringify(info)}`);
    const a = await zygote.call('ftl_probe', { mark: 'first' });
    const b = await zygote.call('ftl_probe', { mark: 'second' });
    for (const r of [a, b]) {
      assert.equal(r.ppid, zpid, 'forked by the zygote');
      assert.equal(r.own_group, true);
      assert.equal(r.own_session, true);
      assert.equal(r.sigchld_default, true);
      assert.equal(r.sigint_raises, true);
      assert.equal(r.name, '__main__');
      assert.equal(r.module_fqn, 'ansible.modules.ftl_probe');
    }
    assert.equal(b.left_by_earlier_call, null, 'module_utils state of the first call is gone');
    assert.equal(a.stdin_args, 'first');
    assert.equal(b.stdin_args, 'second');
    assert.notEqual(a.pid, b.pid);
    assert.notEqual(a.random, b.random, 'each child seeds random anew');
    const f = await fresh.call('ftl_probe', { mark: 'first' });
    assert.equal((await fresh.info()).zygote_pid, null, 'FTL_GATE_NO_ZYGOTE=1 gate runs none');
    assert.deepEqual(
      Object.keys(f).sort(),
      Object.keys(a).sort(),
      'the same keys from a new interpreter',
    );
    assert.equal(f.cwd, a.cwd);
    // The zygote runs the module's code compiled once (kept by content hash): it must look
    // to the module as runpy's run of the file does (the lib dir is the same content, same path).
    for (const key of ['main_is_this', 'file', 'argv0', 'cached', 'package', 'spec', 'loader_name', 'code_file', 'parent_package']) {
      assert.deepEqual(a[key], f[key], `${key} as in a new interpreter`);
      assert.deepEqual(b[key], f[key], `${key} as in a new interpreter, from the compiled copy`);
    }
    assert.equal(a.main_is_this, true);
    assert.match(String(a.file), /\/lib\/[0-9a-f]{16}\/ansible\/modules\/ftl_probe\.py$/);
  });

  it('ends a call as Python ends a program: garbage collected (the finalizer of a cycle run), long args on stdin', async () => {
    for (const [name, gate] of [
      ['zygote', zygote],
      ['new interpreter', fresh],
    ] as const) {
      for (const old of [false, true]) {
        const path = join(dir, `cycle-${name}-${String(old)}`);
        const r = await gate.call('ftl_cycle', { path, old });
        assert.equal(r.failed ?? false, false, JSON.stringify(r));
        assert.equal(readFileSync(path, 'utf8'), 'finalized at exit\n', `${name}, cycle ${old ? 'in the oldest generation' : 'young'}`);
      }
    }
    // Past one pipe page: the gate hands the child a file for stdin instead.
    for (const size of [4000, 70_000]) {
      const mark = 'm'.repeat(size);
      const r = await zygote.call('ftl_probe', { mark });
      assert.equal(r.stdin_args, mark, `${String(size)} bytes of args on stdin`);
    }
  });

  it('imports module_utils.urls into the zygote only once a module that uses it runs', async () => {
    const own = await openModuleGate({ zygote: true }); // a zygote no other module has run in
    try {
      assert.equal((await own.call('ftl_probe', { mark: 'no urls' })).urls_loaded, false, 'not before');
      assert.equal((await own.call('ftl_urls', {})).preloaded, true, 'imported before the fork of the module that uses it');
      assert.equal((await own.call('ftl_probe', { mark: 'urls' })).urls_loaded, true, 'and kept');
      assert.equal((await fresh.call('ftl_urls', {})).preloaded, false, 'a new interpreter imports it itself');
    } finally {
      await own.close();
    }
  });

  it('runs calls at the same time', async () => {
    const meet = join(dir, 'meet');
    mkdirSync(meet);
    const results = await Promise.all([1, 2, 3].map(() => zygote.call('ftl_meet', { dir: meet, count: 3 })));
    assert.deepEqual(
      results.map((r) => [r.failed ?? false, r.met]),
      [
        [false, true],
        [false, true],
        [false, true],
      ],
    );
  });

  it('Cancel kills the module and the processes it started (its process group)', async () => {
    await cancelSleep(zygote, join(dir, 'cancel.pid'));
    assert.equal((await zygote.call('ftl_probe', { mark: 'after' })).ppid, (await zygote.info()).zygote_pid, 'the zygote goes on');
  });

  it('a timeout kills the module and the processes it started', async () => {
    const pidfile = join(dir, 'timeout.pid');
    await assert.rejects(zygote.call('ftl_sleep', { pidfile }, { timeoutMs: 10_000 }), /did not finish within 10 s/);
    assert.ok(existsSync(pidfile), 'the module had started within 10 s');
    const pids = readFileSync(pidfile, 'utf8').split(' ').map(Number);
    await waitFor(`module and sleep (${pids.join(', ')}) to be killed`, () => !pids.some(alive));
  });

  it("without pidfds (older Python or kernel) learns of a child's end by SIGCHLD: exit codes, calls at once, Cancel", async () => {
    const old = await openModuleGate({ zygote: true, env: { FTL_GATE_NO_PIDFD: '1' } });
    try {
      const r = await old.call('ftl_rc', {});
      assert.equal(r.rc, 3, JSON.stringify(r));
      const meet = join(dir, 'meet-sigchld');
      mkdirSync(meet);
      const met = await Promise.all([1, 2, 3].map(() => old.call('ftl_meet', { dir: meet, count: 3 })));
      assert.deepEqual(met.map((m) => m.met), [true, true, true]);
      await cancelSleep(old, join(dir, 'sigchld.pid'));
      const probe = await old.call('ftl_probe', { mark: 'after' });
      assert.equal(probe.ppid, (await old.info()).zygote_pid, 'the same zygote goes on');
      assert.equal(probe.sigchld_default, true, "the zygote's SIGCHLD handler is not the child's");
    } finally {
      await old.close();
    }
  });

  it('runs on the oldest Python the gate supports (3.8: no pidfds), when this machine has one', { skip: PYTHON38 === undefined && 'no Python 3.8 on this machine' }, async () => {
    const old = await openModuleGate({ zygote: true, python: PYTHON38 });
    try {
      const a = await old.call('ftl_probe', { mark: 'first' });
      const b = await old.call('ftl_probe', { mark: 'second' });
      const info = await old.info();
      assert.match(String(info.python_version), /^3\.8\./);
      assert.equal(a.ppid, info.zygote_pid, 'forked by the zygote');
      assert.equal(b.left_by_earlier_call, null);
      assert.equal(b.stdin_args, 'second');
      assert.equal(b.sigchld_default, true);
      assert.equal((await old.call('ftl_rc', {})).rc, 3);
      const conf = join(dir, 'py38.conf');
      writeFileSync(conf, 'a=1\n');
      const changed = await old.call('lineinfile', { path: conf, regexp: '^a=', line: 'a=2' });
      assert.equal(changed.changed, true, JSON.stringify(changed));
      assert.equal(readFileSync(conf, 'utf8'), 'a=2\n');
    } finally {
      await old.close();
    }
  });

  it("a zygote killed while a call runs: the call still gets its module's result, and the module runs once", async () => {
    const pidfile = join(dir, 'wait.pid');
    const go = join(dir, 'wait.go');
    const runs = join(dir, 'wait.runs');
    const before = (await zygote.info()).zygote_pid;
    assert.equal(typeof before, 'number');
    const call = zygote.call('ftl_wait', { pidfile, go, runs });
    call.catch(() => undefined);
    await waitFor('the module to start', () => existsSync(pidfile));
    process.kill(before as number, 'SIGKILL');
    await waitFor('the zygote to die', () => !alive(before as number));
    writeFileSync(go, '');
    const r = await call;
    assert.equal(r.failed ?? false, false, JSON.stringify(r));
    assert.equal(r.changed, true);
    assert.equal(r.waited, true);
    assert.equal(readFileSync(runs, 'utf8'), 'ran\n', 'run once, not again in a new zygote');
    const next = await zygote.call('ftl_probe', { mark: 'after the death' });
    assert.equal(next.ppid, (await zygote.info()).zygote_pid, 'the next call has a new zygote');
    assert.notEqual(next.ppid, before);
  });

  it('a killed zygote is replaced on the next call', async () => {
    const before = (await zygote.info()).zygote_pid;
    assert.equal(typeof before, 'number');
    process.kill(before as number, 'SIGKILL');
    await waitFor('the zygote to die', () => !alive(before as number));
    const r = await zygote.call('ftl_probe', { mark: 'replaced' });
    const now = (await zygote.info()).zygote_pid;
    assert.equal(typeof now, 'number');
    assert.notEqual(now, before);
    assert.equal(r.ppid, now, 'the call ran in the new zygote');
  });

  it('a gate without module_utils runs modules in a new interpreter each, and says why', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'ftl-zygote-bare-'));
    const build = await ensureGate({ cacheDir });
    const s = await GateClient.open(spawnLocalGate(build.path), { host: 'localhost' });
    try {
      const script = 'import json, os, sys\nargs = json.load(sys.stdin)["ANSIBLE_MODULE_ARGS"]\nprint(json.dumps({"echo": args["x"], "ppid": os.getppid()}))\n';
      const r = await s.request('Module', { module_name: 'echoer', module_args: { x: 'hi' }, module: Buffer.from(script).toString('base64') });
      assert.equal(r.type, 'ModuleResult');
      assert.equal(r.data.echo, 'hi');
      const info = (await s.request('Info', {})).data;
      assert.equal(info.zygote_pid, null);
      assert.match(String(info.zygote_off), /cannot import ansible\.module_utils\.basic/);
      assert.equal(r.data.ppid, info.pid, 'the gate started it');
    } finally {
      await s.close();
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });
});
