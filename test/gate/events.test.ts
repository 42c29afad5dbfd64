/**
 * The gate's streams: its watcher (Python, run here) merges raw changes into one event per
 * path, with inotify and with polling; and on a real local gate, Watch and StartMonitor send
 * FileChanged and SystemMetrics frames without an id while a module call runs on the same
 * gate, Unwatch/StopMonitor stop them, and a gate whose stdin ends leaves no thread behind.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync, unlinkSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnLocalGate } from '../../src/gate/local.js';
import { ensureGate } from '../../src/gate/pyz.js';
import { GateClient } from '../../src/gate/client.js';
import type { GateMessage } from '../../src/gate/codec.js';

const GATE_DIR = join(import.meta.dirname, '..', '..', 'gate');

/** Runs a Python script with the gate's package importable; its stdout parsed as JSON. */
function py(script: string): unknown {
  const r = spawnSync('python3', ['-c', script], { cwd: GATE_DIR, encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as unknown;
}

/** A watcher on a temp tree: the steps run with pauses between them, the events it reported in order. */
function watcherScript(method: string, steps: string, recursive = true): string {
  return `
import json, os, tempfile, time
from ftl_gate import events
d = tempfile.mkdtemp()
os.mkdir(os.path.join(d, 'sub'))
open(os.path.join(d, 'a'), 'w').close()
got = []
w = events.Watcher(d, lambda p, k, i: got.append([os.path.relpath(p, d), k]), recursive=${recursive ? 'True' : 'False'}, method='${method}', interval=0.2)
w.start()
def pause():
    time.sleep(0.7)
P = lambda *a: os.path.join(d, *a)
${steps}
pause()
w.stop(); w.join(5)
print(json.dumps({"method": w.method, "events": got, "alive": w.is_alive()}))
`;
}

describe('the gate watcher (Python)', () => {
  for (const method of ['inotify', 'poll']) {
    it(`${method}: a touch is one modified, a new file one created, a removal one deleted, a deeper directory is watched too`, () => {
      const r = py(
        watcherScript(
          method,
          `os.utime(P('a')); pause()
with open(P('sub', 'b'), 'w') as f: f.write('x')
pause()
os.mkdir(P('sub', 'c')); pause()
with open(P('sub', 'c', 'd'), 'w') as f: f.write('x')
pause()
os.remove(P('a'))`,
        ),
      ) as { method: string; events: [string, string][]; alive: boolean };
      assert.equal(r.method, method);
      assert.deepEqual(r.events, [
        ['a', 'modified'],
        ['sub/b', 'created'],
        ['sub/c', 'created'],
        ['sub/c/d', 'created'],
        ['a', 'deleted'],
      ]);
      assert.equal(r.alive, false, 'the thread ends on stop');
    });
  }

  it('inotify: a save by rename is one modified; a file made and removed at once is nothing; not recursive means not deeper', () => {
    const r = py(
      watcherScript(
        'inotify',
        `with open(P('a.tmp'), 'w') as f: f.write('new')
os.rename(P('a.tmp'), P('a')); pause()
open(P('gone'), 'w').close(); os.remove(P('gone')); pause()
open(P('sub', 'deep'), 'w').close()`,
        false,
      ),
    ) as { events: [string, string][] };
    assert.deepEqual(r.events, [['a', 'modified']]);
  });

  it('one file can be watched; a missing path is refused with its name', () => {
    const r = py(`
import json, os, tempfile, time
from ftl_gate import events
d = tempfile.mkdtemp()
f = os.path.join(d, 'conf'); open(f, 'w').close(); open(os.path.join(d, 'other'), 'w').close()
got = []
w = events.Watcher(f, lambda p, k, i: got.append([os.path.basename(p), k]), method='inotify'); w.start(); time.sleep(0.3)
os.utime(os.path.join(d, 'other')); os.utime(f); time.sleep(0.7); w.stop(); w.join(5)
try:
    events.Watcher(os.path.join(d, 'nope'), print)
    err = None
except events.WatchError as e:
    err = str(e)
print(json.dumps({"events": got, "err": err}))
`) as { events: [string, string][]; err: string };
    assert.deepEqual(r.events, [['conf', 'modified']]);
    assert.match(r.err, /cannot watch .*\/nope: No such file/);
  });

  it('merge: created then modified is created, deleted then created is modified, created then deleted is nothing', () => {
    const r = py(`
import json
from ftl_gate.events import merge
print(json.dumps([merge(None, 'modified'), merge('created', 'modified'), merge('deleted', 'created'), merge('created', 'deleted'), merge('modified', 'deleted')]))
`);
    assert.deepEqual(r, ['modified', 'created', 'modified', null, 'deleted']);
  });

  it('metrics: CPU, load, memory, disk and network from /proc, with sane values', () => {
    const m = py(`
import json, time
from ftl_gate import events
a = events.sample(); time.sleep(0.3); print(json.dumps(events.metrics(a, events.sample())))
`) as Record<string, Record<string, unknown>>;
    const cpu = m.cpu as { percent_total: number; count: number; load_avg: number[]; percent_per_cpu: number[] };
    assert.ok(cpu.percent_total >= 0 && cpu.percent_total <= 100);
    assert.equal(cpu.percent_per_cpu.length, cpu.count);
    assert.equal(cpu.load_avg.length, 3);
    const mem = m.memory as { total: number; used: number; available: number; percent: number };
    assert.ok(mem.total > 0 && mem.used + mem.available === mem.total && mem.percent > 0 && mem.percent < 100);
    const disk = m.disk as { total: number; free: number; percent: number };
    assert.ok(disk.total > 0 && disk.free <= disk.total);
    const net = m.net as { bytes_recv: number; recv_rate: number };
    assert.ok(net.bytes_recv >= 0 && net.recv_rate >= 0);
    assert.ok(typeof m.uptime === 'number' && typeof m.hostname === 'string');
  });
});

describe('Watch and StartMonitor on a real local gate', () => {
  let dir: string;
  let s: GateClient;
  const events: GateMessage[] = [];
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ftl-events-'));
    const build = await ensureGate({ cacheDir: join(dir, 'cache') });
    s = await GateClient.open(spawnLocalGate(build.path), { host: 'localhost' });
    s.on('event', (m: GateMessage) => events.push(m));
  });
  after(async () => {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function until<T>(what: string, fn: () => T | undefined, ms = 15_000): Promise<T> {
    const end = Date.now() + ms;
    for (;;) {
      const v = fn();
      if (v !== undefined) return v;
      if (Date.now() > end) throw new Error(`no ${what} within ${ms} ms; events: ${JSON.stringify(events)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('FileChanged frames come without an id while a module call runs on the same gate; Unwatch stops them', async () => {
    const tree = join(dir, 'etc');
    mkdirSync(join(tree, 'conf.d'), { recursive: true });
    writeFileSync(join(tree, 'conf.d', 'site'), 'a');
    const w = await s.request('Watch', { path: tree, recursive: true });
    assert.equal(w.type, 'WatchResult');
    assert.equal(w.data.status, 'ok');
    const watchId = w.data.watch_id;
    // A module call that takes a while, on the same connection.
    const slow = s.request('FTLModule', { module_name: 'command', module_args: { cmd: 'sleep 1' } });
    await new Promise((r) => setTimeout(r, 200));
    const t = new Date();
    utimesSync(join(tree, 'conf.d', 'site'), t, t);
    const ev = await until('FileChanged', () => events.find((e) => e.type === 'FileChanged'));
    assert.equal(ev.id, undefined);
    assert.deepEqual({ ...(ev.data as Record<string, unknown>), timestamp: 0 }, {
      path: join(tree, 'conf.d', 'site'),
      event: 'modified',
      kind: 'modified',
      name: 'site',
      is_dir: false,
      watch: tree,
      watch_id: watchId,
      timestamp: 0,
    });
    const r = await slow;
    assert.equal(r.type, 'FTLModuleResult');
    assert.equal((r.data.result as { rc: number }).rc, 0);
    const u = await s.request('Unwatch', { watch_id: watchId });
    assert.deepEqual(u, { type: 'UnwatchResult', data: { path: null, watch_id: watchId, removed: true } });
    events.length = 0;
    renameSync(join(tree, 'conf.d', 'site'), join(tree, 'conf.d', 'site2'));
    unlinkSync(join(tree, 'conf.d', 'site2'));
    await new Promise((r) => setTimeout(r, 800));
    assert.deepEqual(events, [], 'nothing after Unwatch');
  });

  it('a Watch of a missing path answers status error with the path (FTL2 shape)', async () => {
    const r = await s.request('Watch', { path: join(dir, 'nope') });
    assert.equal(r.type, 'WatchResult');
    assert.equal(r.data.status, 'error');
    assert.match(String(r.data.message), /nope: No such file/);
  });

  it('SystemMetrics frames come every interval until StopMonitor', async () => {
    events.length = 0;
    const r = await s.request('StartMonitor', { interval: 0.3 });
    assert.equal(r.data.status, 'ok');
    await until('two SystemMetrics', () => (events.filter((e) => e.type === 'SystemMetrics').length >= 2 ? true : undefined));
    const m = events.find((e) => e.type === 'SystemMetrics');
    assert.equal(m?.id, undefined);
    assert.equal((m?.data as { monitor_id: number }).monitor_id, r.data.monitor_id);
    const stop = await s.request('StopMonitor', {});
    assert.deepEqual(stop.data, { status: 'stopped', stopped: 1 });
    await new Promise((r2) => setTimeout(r2, 400));
    events.length = 0;
    await new Promise((r2) => setTimeout(r2, 800));
    assert.deepEqual(events, []);
  });
});
