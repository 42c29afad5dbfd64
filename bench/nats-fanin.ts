/**
 * `node --import tsx bench/nats-fanin.ts [--hosts N] [--workers W]`: how fast a caller folds
 * per-host results arriving over a real nats-server, with no SSH at all: W in-process stand-in
 * workers (their own NATS connections) announce N hosts between them and answer every call
 * at once with a ping-sized result per host. This is the caller's ceiling (decode, dedupe,
 * progress, RunResult), not a fleet's speed. Needs nats-server.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { SecretValues } from '../src/base/secrets.js';
import { connectBus } from '../src/nats/bus.js';
import { NatsCaller } from '../src/nats/caller.js';
import { PROTOCOL_VERSION, subjects } from '../src/nats/codec.js';
import { shardHosts } from '../src/nats/shard.js';
import { runRemote } from '../src/run/remote-call.js';

const { values: opt } = parseArgs({ options: { hosts: { type: 'string', default: '10000' }, workers: { type: 'string', default: '3' }, calls: { type: 'string', default: '5' } } });
const N = Number(opt.hosts);
const W = Number(opt.workers);
const CALLS = Number(opt.calls);

const port = await new Promise<number>((resolve) => {
  const s = createServer();
  s.listen(0, '127.0.0.1', () => {
    const a = s.address();
    s.close(() => {
      resolve(typeof a === 'object' && a !== null ? a.port : 0);
    });
  });
});
const url = `nats://127.0.0.1:${String(port)}`;
const server = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
await new Promise((r) => setTimeout(r, 500));
const hosts = Array.from({ length: N }, (_v, i) => `host${String(i).padStart(5, '0')}`);
const subj = subjects();
const stops: (() => Promise<void>)[] = [];
for (let k = 1; k <= W; k++) {
  const bus = await connectBus(url, `stand-in ${String(k)}`);
  const mine = shardHosts({ index: k, count: W }, hosts);
  const beat = (): void => {
    bus.publish(subj.heartbeat, { kind: 'hb', v: PROTOCOL_VERSION, worker: `w${String(k)}`, pid: process.pid, rule: `shard ${String(k)}/${String(W)}`, hosts: mine, intervalMs: 1000, calls: 0 });
  };
  bus.subscribe(subj.hello, beat);
  const timer = setInterval(beat, 1000);
  bus.subscribe(subj.call(`w${String(k)}`), (m) => {
    if (m.kind !== 'call') return;
    const res = subj.results(m.id);
    const base = { v: PROTOCOL_VERSION, id: m.id, worker: m.worker };
    bus.publish(res, { ...base, kind: 'ack', hosts: m.hosts });
    for (const h of m.hosts) bus.publish(res, { ...base, kind: 'host', result: { host: h, status: 'ok', result: { ping: 'pong', changed: false, invocation: { module_args: { data: 'pong' } } }, startedMs: 1, durationMs: 3 } });
    bus.publish(res, { ...base, kind: 'done', count: m.hosts.length });
  });
  stops.push(async () => {
    clearInterval(timer);
    await bus.close();
  });
}
const caller = new NatsCaller(url);
const times: number[] = [];
let cpu = 0;
for (let i = 0; i <= CALLS; i++) {
  const c0 = process.cpuUsage();
  const t = performance.now();
  const r = await runRemote(caller, { pattern: 'all', hosts, module: 'ping', fqcn: 'ansible.builtin.ping', args: {}, shownArgs: {}, noLog: [], key: undefined, opts: { check: false, diff: false, timeout: 30, forks: 50 } }, { signal: new AbortController().signal, onProgress: () => undefined }, new SecretValues());
  const ms = performance.now() - t;
  const used = process.cpuUsage(c0);
  if (r.ok.length !== N) throw new Error(`only ${String(r.ok.length)} of ${String(N)} ok: ${JSON.stringify(r.hosts.find((h) => h.status !== "ok"))}`);
  // The first call waits for heartbeats (discovery); the rest are the steady state.
  if (i > 0) {
    times.push(ms);
    cpu += (used.user + used.system) / 1000;
  }
}
times.sort((a, b) => a - b);
const med = times[Math.floor(times.length / 2)] ?? NaN;
console.log(`${String(N)} hosts, ${String(W)} stand-in workers: call folded in ${med.toFixed(0)} ms (median of ${String(CALLS)}), ${(N / (med / 1000)).toFixed(0)} results/s, ${((cpu / CALLS) * 1000 / N).toFixed(1)} µs caller CPU per host (this process also runs the stand-ins)`);
await caller.close();
for (const s of stops) await s();
server.kill('SIGTERM');
