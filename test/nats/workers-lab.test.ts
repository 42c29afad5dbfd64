// @tier full
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { withLab } from '../helpers/lab.js';
import { hasNatsServer, startFtlWorkers, startNatsServer, stopFtlWorkers, type FtlWorker, type NatsServer } from '../../bench/nats-procs.js';
import { automation, type Ftl } from '../../src/run/automation.js';
import { parseShard, shardHosts } from '../../src/nats/shard.js';
import type { Lab } from '../../src/lab/lab.js';
import { whenRunning } from '../helpers/when-running.js';

// Three `ftl worker`s (the built bin/ftl.js, as a user runs them) over one lab, behind a real
// nats-server started here on a free port; the caller is automation({ nats }) in this process.
const KEY = 'test key for sealing nats calls';

/** The hosts' `sleep 29.37` processes now (pgrep exits 1 when there is none). */
function sleeps(): number {
  try {
    return Number(execFileSync('pgrep', ['-fc', '^sleep 29\\.37$']).toString().trim());
  } catch {
    return 0;
  }
}

/** A target of the ftl object, which must be there. */
function on(f: Ftl, name: string): NonNullable<Ftl[string]> {
  const t = f[name];
  if (t === undefined) throw new Error(`no target ${name}`);
  return t;
}


describe('NATS: a caller and three ftl workers over one lab', { timeout: 240_000, skip: hasNatsServer() ? false : 'SKIPPED LOUDLY: nats-server is not installed (apt-get install nats-server)' }, () => {
  let lab: Lab;
  let release: () => void = () => undefined;
  let labDone: Promise<void>;
  let server: NatsServer;
  let url: string;
  let workers: FtlWorker[] = [];
  let ftl: Ftl;
  let hosts: string[];

  before(async () => {
    server = await startNatsServer();
    url = server.url;
    let up: (l: Lab) => void = () => undefined;
    const ready = new Promise<Lab>((r) => (up = r));
    labDone = withLab(6, async (l) => {
      up(l);
      await new Promise<void>((r) => (release = r));
    });
    lab = await Promise.race([ready, labDone.then(() => Promise.reject(new Error('lab ended')))]);
    hosts = lab.hosts.map((h) => h.name);
    // The built bin/ftl.js, as a user runs it; ready when each says so on stderr.
    workers = await startFtlWorkers({ url, inventory: lab.inventoryPath, count: 3, heartbeatS: 0.5, env: { FTL_NATS_KEY: KEY } });
    ftl = await automation({ inventory: lab.inventoryPath, nats: url, natsKey: KEY, audit: false, stateFile: false });
  });

  after(async () => {
    await ftl.close();
    await stopFtlWorkers(workers);
    await server.stop();
    release();
    await labDone;
  });

  it('the shards cover the lab, each host in one (three workers, each with hosts)', () => {
    const shares = [1, 2, 3].map((k) => shardHosts(parseShard(`${String(k)}/3`), hosts));
    assert.equal(shares.flat().length, hosts.length);
    for (const s of shares) assert.ok(s.length > 0, `a shard of ${hosts.join(',')} is empty: ${JSON.stringify(shares)}`);
  });

  it('a call through the caller gets every host\'s result exactly once, each from the worker that holds it', async () => {
    const r = await on(ftl, 'lab').ping();
    assert.deepEqual(r.hosts.map((h) => h.host).sort(), [...hosts].sort());
    assert.deepEqual(r.ok.sort(), [...hosts].sort(), JSON.stringify(r.hosts));
    // The gates are the workers': this process opened none.
    const c = await on(ftl, 'lab').command({ cmd: 'echo $PPID' });
    assert.equal(c.changed.length, hosts.length, JSON.stringify(c.hosts));
    assert.equal(new Set(c.hosts.map((h) => h.host)).size, hosts.length);
  });

  it('a secret in the args reaches the module, sealed on the wire, masked in the result', async () => {
    // Everything published on the server meanwhile, read by a plain client as anyone on it could.
    const seen: string[] = [];
    const { connect } = await import('nats');
    const spy = await connect({ servers: url });
    spy.subscribe('>', { callback: (_e, m) => seen.push(new TextDecoder().decode(m.data)) });
    await spy.flush();
    process.env.FTL_TEST_NATS_SECRET = 'sekrit-value-8731';
    const withSecret = await automation({ inventory: lab.inventoryPath, nats: url, natsKey: KEY, audit: false, stateFile: false, secrets: ['FTL_TEST_NATS_SECRET'] });
    try {
      const target = hosts[0] ?? 'lab01';
      const r = await on(withSecret, target).command({ argv: ['echo', withSecret.secrets.FTL_TEST_NATS_SECRET] });
      assert.deepEqual(r.changed, [target], JSON.stringify(r.hosts));
      assert.equal(r.host(target)?.stdout, '********');
      await spy.flush();
      assert.ok(seen.some((s) => s.includes('"sealed"')), 'the call went over the server');
      assert.ok(!seen.some((s) => s.includes('sekrit-value-8731')), 'the secret crossed NATS in clear');
    } finally {
      await withSecret.close();
      await spy.close();
    }
    // Without the key, the caller refuses rather than send it in clear.
    const noKey = await automation({ inventory: lab.inventoryPath, nats: url, audit: false, stateFile: false, secrets: ['FTL_TEST_NATS_SECRET'] });
    try {
      await assert.rejects(on(noKey, 'lab').command({ argv: ['echo', noKey.secrets.FTL_TEST_NATS_SECRET] }), /args hold a secret, and secrets are not sent over NATS in clear/);
    } finally {
      await noKey.close();
    }
  });

  it('cancel reaches every worker: hosts cancelled by their gates, the sleeps killed', async () => {
    const ctrl = new AbortController();
    const w = whenRunning(hosts.length);
    const call = on(ftl, 'lab').command({ cmd: 'sleep 29.37' }, { signal: ctrl.signal, onProgress: w.onProgress });
    await w.running;
    // The modules have started on the hosts before the cancel goes out.
    for (let i = 0; i < 100 && sleeps() < hosts.length; i++) await new Promise((r) => setTimeout(r, 100));
    ctrl.abort();
    const r = await call;
    assert.deepEqual(r.cancelled.sort(), [...hosts].sort(), JSON.stringify(r.hosts));
    // Confirmed by each worker (its gates' own 'cancelled'), not given up by the caller.
    for (const h of r.hosts) assert.doesNotMatch(String(h.result.msg), /did not confirm/);
    let left = -1;
    for (let i = 0; i < 100 && left !== 0; i++) {
      left = sleeps();
      if (left !== 0) await new Promise((r2) => setTimeout(r2, 100));
    }
    assert.equal(left, 0, 'a sleep outlived the cancel');
  });

  it('a worker killed mid-call: its hosts unreachable ("worker w2 lost") within the timeout, the others succeed; then no worker holds them', async () => {
    const lost = shardHosts(parseShard('2/3'), hosts);
    const others = hosts.filter((h) => !lost.includes(h));
    const w = whenRunning(hosts.length);
    const call = on(ftl, 'lab').command({ cmd: 'sleep 5' }, { timeout: 60, onProgress: w.onProgress });
    await w.running;
    workers[1]?.child.kill('SIGKILL');
    const r = await call;
    assert.deepEqual(r.unreachable.sort(), [...lost].sort(), JSON.stringify(r.hosts));
    assert.deepEqual(r.changed.sort(), [...others].sort(), JSON.stringify(r.hosts));
    for (const h of lost) assert.match(String(r.host(h)?.msg), /^worker w2 lost \(no heartbeat for [\d.]+ s\)$/);
    assert.ok(r.durationMs < 60_000, `reported after ${String(r.durationMs)} ms, past the call's timeout`);
    // The next call: w2's hosts have no worker, said plainly; the rest run.
    const again = await on(ftl, 'lab').ping();
    assert.deepEqual(again.ok.sort(), [...others].sort());
    for (const h of lost) assert.match(String(again.host(h)?.msg), /no live ftl worker holds this host/);
  });
});
