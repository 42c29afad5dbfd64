import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { buildGateZip, ensureGate, gateSourceDir, type GateBuild } from '../../src/gate/pyz.js';
import { spawnLocalGate } from '../../src/gate/local.js';
import { GateClient } from '../../src/gate/client.js';
import { GatePool } from '../../src/gate/pool.js';
import { isAlive } from '../../src/lab/procs.js';

const SLEEPER = Buffer.from('import json, os, sys, time\nargs = json.load(sys.stdin)["ANSIBLE_MODULE_ARGS"]\nif args.get("pidfile"):\n    open(args["pidfile"], "w").write(str(os.getpid()))\ntime.sleep(args["s"])\nprint(json.dumps({"slept": args["s"], "changed": False}))\n').toString('base64');

/** Running, not a zombie waiting to be reaped. */
const alive = isAlive;

describe('the gate on this machine', () => {
  let dir: string;
  let gate: GateBuild;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ftl-gate-'));
    gate = await ensureGate({ cacheDir: dir });
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('builds the same bytes twice, and any source change changes the hash', () => {
    const a = buildGateZip();
    const b = buildGateZip();
    assert.equal(a.hash, b.hash);
    assert.deepEqual(Buffer.from(a.bytes), Buffer.from(b.bytes));
    const copy = join(dir, 'gate-copy');
    cpSync(gateSourceDir(), copy, { recursive: true });
    const f = join(copy, 'ftl_gate', 'native', 'ping.py');
    writeFileSync(f, `${readFileSync(f, 'utf8')}\n# changed\n`);
    assert.notEqual(buildGateZip(copy).hash, a.hash);
  });

  it('answers Hello with the hash it was built with, and Info', async () => {
    const s = await GateClient.open(spawnLocalGate(gate.path), { host: 'localhost' });
    try {
      assert.equal(s.hello.gate_hash, gate.hash);
      assert.ok(s.hello.capabilities.includes('multiplex'));
      const info = await s.request('Info', {});
      assert.equal(info.type, 'InfoResult');
      assert.equal(info.data.pid, s.hello.pid);
      const bad = await s.request('NoSuchType', {});
      assert.deepEqual(bad, { type: 'Error', data: { message: 'Unknown message type: NoSuchType' } });
    } finally {
      await s.close();
    }
    assert.equal(s.status, 'closed');
    assert.ok(s.hello.pid !== undefined && !alive(s.hello.pid), 'the gate process has exited after Shutdown');
  });

  it('matches 100 concurrent replies to their requests by id', async () => {
    const s = await GateClient.open(spawnLocalGate(gate.path), { host: 'localhost' });
    try {
      const replies = await Promise.all(Array.from({ length: 100 }, (_, i) => s.request('FTLModule', { module_name: 'ping', module_args: { data: `n${i}` } })));
      replies.forEach((r, i) => {
        assert.deepEqual(r.data.result, { ping: `n${i}`, changed: false });
      });
    } finally {
      await s.close();
    }
  });

  it('completes 50 quick requests while one sleeps 5 s', async () => {
    const s = await GateClient.open(spawnLocalGate(gate.path), { host: 'localhost' });
    try {
      let slowDone = false;
      const slow = s.request('Module', { module_name: 'sleeper', module_args: { s: 5 }, module: SLEEPER }).then((r) => {
        slowDone = true;
        return r;
      });
      const quick = await Promise.all(Array.from({ length: 50 }, () => s.request('FTLModule', { module_name: 'ping', module_args: {} })));
      assert.equal(quick.length, 50);
      assert.equal(slowDone, false, 'the quick ones finished while the slow one still ran');
      assert.deepEqual((await slow).data, { slept: 5, changed: false });
    } finally {
      await s.close();
    }
  });

  it('a timeout fails the request clearly and kills the module process', async () => {
    const s = await GateClient.open(spawnLocalGate(gate.path), { host: 'localhost' });
    try {
      const pidfile = join(dir, 'sleeper.pid');
      await assert.rejects(s.request('Module', { module_name: 'sleeper', module_args: { s: 60, pidfile }, module: SLEEPER }, { timeoutMs: 3000 }), (e: Error & { code?: string; host?: string }) => {
        assert.equal(e.code, 'FTL_GATE_TIMEOUT');
        assert.equal(e.host, 'localhost');
        assert.match(e.message, /the sleeper module did not finish within 3 s/);
        return true;
      });
      const pid = Number(readFileSync(pidfile, 'utf8'));
      assert.ok(pid > 0, 'the module process had started');
      // The Cancel is asynchronous: the gate kills the process group soon after.
      for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
      assert.equal(alive(pid), false, 'the sleeping module process was killed');
      assert.equal((await s.request('FTLModule', { module_name: 'ping', module_args: {} })).type, 'FTLModuleResult', 'the gate still works');
    } finally {
      await s.close();
    }
  });

  it('the pool opens one gate per key however many ask at once, lists it, and closes all', async () => {
    let opened = 0;
    const pool = new GatePool(
      () => {
        opened++;
        return Promise.resolve(spawnLocalGate(gate.path));
      },
    );
    const at = (key: string): { key: string; host: string } => ({ key, host: key.split('|')[0] ?? key });
    try {
      const [a, b, c] = await Promise.all([pool.get(at('localhost')), pool.get(at('localhost')), pool.get(at('localhost|root'))]);
      assert.equal(a, b);
      assert.notEqual(a, c);
      assert.equal(opened, 2);
      await a.request('Info', {});
      const view = pool.list().sort((x, y) => x.key.localeCompare(y.key));
      assert.deepEqual(
        view.map((e) => [e.key, e.host, e.status, e.calls, e.hello?.gate_hash]),
        [
          ['localhost', 'localhost', 'ready', 1, gate.hash],
          ['localhost|root', 'localhost', 'ready', 0, gate.hash],
        ],
      );
    } finally {
      await pool.closeAll();
    }
    assert.deepEqual(pool.list(), []);
    const again = await pool.get(at('localhost'));
    assert.equal(again.status, 'ready', 'a closed pool can open again');
    await pool.closeAll();
  });

  it('a gate killed with SIGKILL fails pending requests clearly; the pool opens a new one', async () => {
    const pool = new GatePool(() => Promise.resolve(spawnLocalGate(gate.path)));
    try {
      const first = await pool.get({ key: 'localhost', host: 'localhost' });
      const pid = first.hello.pid ?? 0;
      const pending = first.request('Module', { module_name: 'sleeper', module_args: { s: 30 }, module: SLEEPER });
      process.kill(pid, 'SIGKILL');
      await assert.rejects(pending, (e: Error & { code?: string }) => {
        assert.equal(e.code, 'FTL_GATE_DIED');
        assert.match(e.message, /killed by SIGKILL/);
        return true;
      });
      const second = await pool.get({ key: 'localhost', host: 'localhost' });
      assert.notEqual(second.hello.pid, pid);
      assert.equal((await second.request('FTLModule', { module_name: 'ping', module_args: {} })).type, 'FTLModuleResult');
    } finally {
      await pool.closeAll();
    }
  });

  it('a drained gate finishes its running call while the next get opens a new gate, then closes', async () => {
    const pool = new GatePool(() => Promise.resolve(spawnLocalGate(gate.path)));
    const key = { key: 'localhost', host: 'localhost' };
    try {
      const old = await pool.get(key);
      const oldPid = old.hello.pid ?? 0;
      const slow = old.request('Module', { module_name: 'sleeper', module_args: { s: 1.5 }, module: SLEEPER });
      await new Promise((r) => setTimeout(r, 300));
      const d = pool.drain('localhost');
      assert.equal(d.running, 1);
      assert.deepEqual(pool.list().map((g) => g.status), ['draining']);
      const fresh = await pool.get(key);
      assert.notEqual(fresh.hello.pid, oldPid, 'a new gate for new calls');
      assert.equal((await fresh.request('Info', {})).type, 'InfoResult');
      const r = await slow;
      assert.equal(r.type, 'ModuleResult', JSON.stringify(r.data));
      assert.equal(r.data.slept, 1.5);
      await pool.drained();
      assert.equal(old.status, 'closed');
      assert.equal(alive(oldPid), false, 'the old gate process is gone');
      assert.deepEqual(pool.list().map((g) => [g.status, g.hello?.pid]), [['ready', fresh.hello.pid]]);
    } finally {
      await pool.closeAll();
    }
  });

  it('a gate with a module baked in says so in Hello and runs it from its zip when the controller sends only the hash', async () => {
    const source = Buffer.from(SLEEPER, 'base64');
    const hash = createHash('sha256').update(source).digest('hex').slice(0, 16);
    const baked = await ensureGate({
      cacheDir: dir,
      extra: { [`ftl_gate/baked/${hash}.src`]: source, 'ftl_gate/baked_index.py': Buffer.from(`HASHES = ["${hash}"]\n`) },
    });
    assert.notEqual(baked.hash, gate.hash);
    const home = mkdtempSync(join(tmpdir(), 'ftl-baked-home-'));
    const s = await GateClient.open(spawnLocalGate(baked.path, { env: { ...process.env, HOME: home } }), { host: 'localhost' });
    const plain = await GateClient.open(spawnLocalGate(gate.path, { env: { ...process.env, HOME: home } }), { host: 'localhost' });
    try {
      assert.deepEqual(s.hello.baked, [hash]);
      assert.deepEqual(plain.hello.baked, []);
      // A plain gate on a host without the source has to ask for it.
      const asked = await plain.request('Module', { module_name: 'sleeper', module_args: { s: 0 }, module_hash: hash });
      assert.equal(asked.type, 'ModuleNotFound');
      const r = await s.request('Module', { module_name: 'sleeper', module_args: { s: 0 }, module_hash: hash });
      assert.equal(r.type, 'ModuleResult', JSON.stringify(r.data));
      assert.equal(r.data.slept, 0);
    } finally {
      await s.close();
      await plain.close();
      rmSync(home, { recursive: true, force: true });
    }
  });
});
