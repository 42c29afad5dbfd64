/**
 * `node --import tsx bench/nats.ts [--hosts N] [--calls K]`: three `ftl worker`s behind a
 * real nats-server against one controller, on the same lab of real sshd hosts: the first
 * call of a session (gates started) and warm pings (median of K). Figures, never assertions.
 * Needs nats-server (Debian package nats-server) and a built package (npm run build).
 * On the simulated fleet (bench/sim, thousands of hosts): bench/nats-sim.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { labUp } from '../src/lab/lab.js';
import { automation, type Ftl } from '../src/run/automation.js';
import { startFtlWorkers, startNatsServer, stopFtlWorkers, type FtlWorker } from './nats-procs.js';

const { values: opt } = parseArgs({ options: { hosts: { type: 'string', default: '30' }, calls: { type: 'string', default: '20' } } });
const HOSTS = Number(opt.hosts);
const CALLS = Number(opt.calls);

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
};

/** The first call (gates started), then warm pings: times in ms, and how many hosts answered ok. */
async function measure(ftl: Ftl): Promise<{ first: number; warm: number; ok: number }> {
  const target = ftl.bench;
  if (target === undefined) throw new Error('no group bench');
  let t = performance.now();
  const r = await target.ping();
  const first = performance.now() - t;
  const samples: number[] = [];
  for (let i = 0; i < CALLS; i++) {
    t = performance.now();
    await target.ping();
    samples.push(performance.now() - t);
  }
  return { first, warm: median(samples), ok: r.ok.length };
}

const dir = mkdtempSync(join(tmpdir(), 'ftl-bench-nats-'));
const lab = await labUp({ count: HOSTS, dir: join(dir, 'lab'), ownHomes: true, groups: [{ name: 'bench', count: HOSTS }] });
const server = await startNatsServer();
let workers: FtlWorker[] = [];
try {
  const one = await automation({ inventory: lab.inventoryPath, audit: false, stateFile: false });
  const local = await measure(one);
  await one.close();
  workers = await startFtlWorkers({ url: server.url, inventory: lab.inventoryPath, count: 3 });
  const caller = await automation({ inventory: lab.inventoryPath, nats: server.url, audit: false, stateFile: false });
  const remote = await measure(caller);
  await caller.close();
  const row = (name: string, m: { first: number; warm: number; ok: number }): string => `| ${name} | ${String(HOSTS)} | ${m.first.toFixed(0)} ms | ${m.warm.toFixed(1)} ms | ${String(m.ok)} |`;
  console.log(`| controller | hosts | first call | warm ping (median of ${String(CALLS)}) | ok |`);
  console.log('|---|---|---|---|---|');
  console.log(row('one controller', local));
  console.log(row('3 NATS workers (caller + nats-server + 3 ftl worker)', remote));
} finally {
  await stopFtlWorkers(workers);
  await server.stop();
  await lab.down();
  rmSync(dir, { recursive: true, force: true });
}
