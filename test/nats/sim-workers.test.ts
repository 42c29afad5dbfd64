// @tier full: a real nats-server, three `ftl worker` processes (the built bin/ftl.js) and a simulated fleet
/**
 * NATS workers over the simulated fleet (bench/sim): a caller (automation({ nats }) in this
 * process) and three `ftl worker --shard K/3` behind a real nats-server started here, over
 * 30 simulated hosts. Every host answers a call exactly once; a worker killed with SIGKILL
 * in the middle of a call (the simulated gate answers `sleep N` N seconds late) has its
 * hosts reported lost within the call's timeout while the other workers' hosts succeed;
 * and nothing started here is left running.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { automation, type Ftl } from '../../src/index.js';
import { isAlive } from '../../src/lab/procs.js';
import { parseShard, shardHosts } from '../../src/nats/shard.js';
import { hasNatsServer, startFtlWorkers, startNatsServer, stopFtlWorkers, type FtlWorker, type NatsServer } from '../../bench/nats-procs.js';
import { startSimFleet, SIM_GROUP, type SimFleet } from '../../bench/sim/fleet.js';
import { whenRunning } from '../helpers/when-running.js';

const HOSTS = 30;
/** The call a worker is killed in: long enough to be caught in flight, short enough for the budget. */
const SLEEP_S = 8;
/** The killed call's per-host timeout: the lost hosts must come back well before it. */
const TIMEOUT_S = 40;


/** Resolves once check() holds, looking every 100 ms; rejects after ms, saying what it waited for. */
async function until(what: string, ms: number, check: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`${what}: not within ${String(ms)} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('NATS: a caller and three ftl workers over a simulated fleet', { timeout: 120_000, skip: hasNatsServer() ? false : 'SKIPPED LOUDLY: nats-server is not installed (apt-get install nats-server)' }, () => {
  let dir = '';
  let fleet: SimFleet | undefined;
  let server: NatsServer | undefined;
  let workers: FtlWorker[] = [];
  let ftl: Ftl | undefined;
  /** Every process started here, to check that none is left. */
  const pids: number[] = [];

  const stopAll = async (): Promise<void> => {
    await ftl?.close();
    ftl = undefined;
    await stopFtlWorkers(workers);
    await server?.stop();
    await fleet?.stop();
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ftl-nats-sim-test-'));
    fleet = await startSimFleet({ count: HOSTS, latencyMs: 1, jitterMs: 1, dir });
    pids.push(...fleet.pids);
    server = await startNatsServer(10_000);
    if (server.child.pid !== undefined) pids.push(server.child.pid);
    // A heartbeat every 0.5 s: a worker is lost after 5 s of silence (the floor).
    workers = await startFtlWorkers({ url: server.url, inventory: fleet.inventoryPath, count: 3, forks: HOSTS, heartbeatS: 0.5, readyMs: 30_000 });
    pids.push(...workers.map((w) => w.pid));
    ftl = await automation({ inventory: fleet.inventoryPath, nats: server.url, forks: HOSTS, audit: false, stateFile: false });
  });

  after(async () => {
    // Whatever a failed step left: the last test stops everything and checks it.
    await stopAll();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  const shares = (): string[][] => [1, 2, 3].map((k) => shardHosts(parseShard(`${String(k)}/3`), fleet?.hosts ?? []));

  it('every host answers a call exactly once, through the worker that holds it', { timeout: 60_000 }, async () => {
    assert.ok(fleet !== undefined && ftl !== undefined);
    for (const s of shares()) assert.ok(s.length > 0, `a shard of the ${String(HOSTS)} hosts is empty: ${JSON.stringify(shares())}`);
    const r = await ftl.run(SIM_GROUP, 'ping', {});
    assert.equal(r.hosts.length, HOSTS);
    assert.equal(new Set(r.hosts.map((h) => h.host)).size, HOSTS);
    assert.deepEqual(r.ok.sort(), [...fleet.hosts].sort(), JSON.stringify(r.hosts.filter((h) => h.status !== 'ok')));
    // On the hosts' side: one connection, one gate and one module call each (the caller opened none itself).
    const s = await fleet.stats();
    assert.equal(s.connections, HOSTS);
    assert.equal(s.gates, HOSTS);
    assert.equal(s.requests, HOSTS);
  });

  it('a worker killed mid-call: its hosts lost within the timeout ("worker w2 lost"), the others\' hosts succeed', { timeout: 60_000 }, async () => {
    assert.ok(fleet !== undefined && ftl !== undefined);
    const sim = fleet;
    const lost = shares()[1] ?? [];
    const others = sim.hosts.filter((h) => !lost.includes(h));
    const requestsBefore = (await sim.stats()).requests;
    const w = whenRunning(HOSTS);
    const call = ftl.run(SIM_GROUP, 'command', { cmd: `sleep ${String(SLEEP_S)}` }, { timeout: TIMEOUT_S, onProgress: w.onProgress });
    await w.running;
    // Every simulated gate has the call (and is sleeping on it) before w2 goes.
    await until('every host got the sleep', 20_000, async () => (await sim.stats()).requests >= requestsBefore + HOSTS);
    workers[1]?.child.kill('SIGKILL');
    const r = await call;
    assert.equal(r.hosts.length, HOSTS);
    assert.equal(new Set(r.hosts.map((h) => h.host)).size, HOSTS);
    assert.deepEqual(r.unreachable.sort(), [...lost].sort(), JSON.stringify(r.hosts));
    assert.deepEqual(r.changed.sort(), [...others].sort(), JSON.stringify(r.hosts));
    for (const h of lost) assert.match(String(r.host(h)?.msg), /^worker w2 lost \(no heartbeat for [\d.]+ s\)$/);
    for (const h of others) assert.equal(r.host(h)?.stdout, `${h}: sleep ${String(SLEEP_S)}`);
    // Lost by its silence, not given up at the call's deadline.
    assert.ok(r.durationMs < TIMEOUT_S * 1000, `reported after ${String(r.durationMs)} ms, past the call's timeout`);
  });

  it('stops leaving no process behind: nats-server, workers, simulated hosts', { timeout: 30_000 }, async () => {
    assert.ok(pids.length >= 5, `pids recorded: ${JSON.stringify(pids)}`);
    await stopAll();
    for (const pid of pids) assert.equal(isAlive(pid), false, `process ${String(pid)} is still running`);
  });
});
