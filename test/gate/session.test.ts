import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { buildGateZip, ensureGate, gateSourceDir, type GateBuild } from '../../src/gate/pyz.js';
import { spawnLocalGate } from '../../src/gate/local.js';
import { GateSession } from '../../src/gate/session.js';
import { GatePool } from '../../src/gate/pool.js';

const SLEEPER = Buffer.from('import json, sys, time\nargs = json.load(sys.stdin)["ANSIBLE_MODULE_ARGS"]\ntime.sleep(args["s"])\nprint(json.dumps({"slept": args["s"], "changed": False}))\n').toString('base64');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

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
    const s = await GateSession.open(spawnLocalGate(gate.path), { host: 'localhost' });
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
    const s = await GateSession.open(spawnLocalGate(gate.path), { host: 'localhost' });
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
    const s = await GateSession.open(spawnLocalGate(gate.path), { host: 'localhost' });
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
    const s = await GateSession.open(spawnLocalGate(gate.path), { host: 'localhost' });
    try {
      await assert.rejects(s.request('Module', { module_name: 'sleeper', module_args: { s: 60 }, module: SLEEPER }, { timeoutMs: 500 }), (e: Error & { code?: string }) => {
        assert.equal(e.code, 'FTL_GATE_TIMEOUT');
        assert.match(e.message, /Module sleeper did not finish within 0\.5 s/);
        return true;
      });
      await new Promise((r) => setTimeout(r, 500));
      const processes = execFileSync('ps', ['-eo', 'args='], { encoding: 'utf8' });
      assert.doesNotMatch(processes, /modules\/sleeper-/, 'the sleeping module process was killed');
      assert.equal((await s.request('FTLModule', { module_name: 'ping', module_args: {} })).type, 'FTLModuleResult', 'the gate still works');
    } finally {
      await s.close();
    }
  });

  it('a gate killed with SIGKILL fails pending requests clearly; the pool opens a new one', async () => {
    const pool = new GatePool(() => Promise.resolve(spawnLocalGate(gate.path)));
    try {
      const first = await pool.get('localhost');
      const pid = first.hello.pid ?? 0;
      const pending = first.request('Module', { module_name: 'sleeper', module_args: { s: 30 }, module: SLEEPER });
      process.kill(pid, 'SIGKILL');
      await assert.rejects(pending, (e: Error & { code?: string }) => {
        assert.equal(e.code, 'FTL_GATE_DIED');
        assert.match(e.message, /killed by SIGKILL/);
        return true;
      });
      const second = await pool.get('localhost');
      assert.notEqual(second.hello.pid, pid);
      assert.equal((await second.request('FTLModule', { module_name: 'ping', module_args: {} })).type, 'FTLModuleResult');
    } finally {
      await pool.closeAll();
    }
  });
});
