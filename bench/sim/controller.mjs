/**
 * The controller under measurement: ftl's library on the built package (dist/), in a
 * process of its own so its memory and CPU are its alone (the simulated hosts run in other
 * processes). One JSON argument: {inventory, pattern, hosts, warmCalls, module, args}, and
 * optionally timeout (seconds per host), nats (a NATS URL: the calls go to ftl workers
 * there) and watch (pids of other processes, the workers, whose CPU and RSS are read from
 * /proc around the same phases).
 * Prints one JSON line with its figures, then closes the session and exits.
 * Run with --expose-gc so the memory figures are taken after a collection.
 */
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { automation } from '../../dist/index.js';

const req = JSON.parse(process.argv[2] ?? '{}');
const gc = globalThis.gc ?? (() => undefined);

function mem() {
  gc();
  const m = process.memoryUsage();
  return { rssMb: m.rss / 2 ** 20, heapMb: m.heapUsed / 2 ** 20, externalMb: (m.external + m.arrayBuffers) / 2 ** 20 };
}

function cpuMs(since) {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
}

/** USER_HZ, the unit of utime and stime in /proc/PID/stat: 100 on every Linux in use. */
const TICKS_PER_S = 100;

/** A watched process's CPU so far (ms) and RSS now (MB), from /proc; zeros once it is gone. */
function procSample(pid) {
  try {
    const stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuMs = ((Number(rest[11]) + Number(rest[12])) * 1000) / TICKS_PER_S;
    const rss = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${String(pid)}/status`, 'utf8'));
    return { cpuMs, rssMb: rss === null ? 0 : Number(rss[1]) / 1024 };
  } catch {
    return { cpuMs: 0, rssMb: 0 };
  }
}
const watch = Array.isArray(req.watch) ? req.watch : [];
const watched = () => watch.map(procSample);

const eld = monitorEventLoopDelay({ resolution: 10 });
function delays() {
  // Nanoseconds in, ms out: the loop's worst stalls while hosts answered.
  const out = { p50: eld.percentile(50) / 1e6, p99: eld.percentile(99) / 1e6, max: eld.max / 1e6 };
  eld.reset();
  return out;
}

function tally(r) {
  const statuses = {};
  let firstError = '';
  for (const h of r.hosts) {
    statuses[h.status] = (statuses[h.status] ?? 0) + 1;
    if (firstError === '' && h.status !== 'ok' && h.status !== 'changed') firstError = `${h.host}: ${JSON.stringify(h.result).slice(0, 300)}`;
  }
  return { statuses, firstError };
}

const before = mem();
const t0 = performance.now();
const c0 = process.cpuUsage();
const ftl = await automation({ inventory: req.inventory, forks: req.hosts, ...(req.timeout === undefined ? {} : { timeout: req.timeout }), ...(req.nats === undefined ? {} : { nats: req.nats }) });
const openMs = performance.now() - t0;
const openCpuMs = cpuMs(c0);

const w0 = watched();
eld.enable();
const t1 = performance.now();
const c1 = process.cpuUsage();
const first = await ftl.run(req.pattern, req.module, req.args);
const firstMs = performance.now() - t1;
const firstCpuMs = cpuMs(c1);
const firstDelay = delays();
const firstTally = tally(first);
const w1 = watched();
const open = mem();
// The collection mem() forced is the bench's, not the session's: not counted in the warm calls' delays.
eld.reset();

const samples = [];
const cpus = [];
let warmTally = { statuses: {}, firstError: '' };
let warmOk = 0;
const w2 = watched();
for (let i = 0; i < req.warmCalls; i++) {
  const c = process.cpuUsage();
  const t = performance.now();
  const r = await ftl.run(req.pattern, req.module, req.args);
  samples.push(performance.now() - t);
  cpus.push(cpuMs(c));
  warmTally = tally(r);
  warmOk += r.ok.length;
}
const w3 = watched();
const warmDelay = delays();
eld.disable();
const after = mem();
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

process.stdout.write(
  `${JSON.stringify({
    hosts: req.hosts,
    openMs,
    openCpuMs,
    firstMs,
    firstCpuMs,
    firstDelay,
    firstStatuses: firstTally.statuses,
    firstError: firstTally.firstError,
    warmMedianMs: median(samples),
    warmSamples: samples,
    warmCpuMs: median(cpus),
    warmDelay,
    warmStatuses: warmTally.statuses,
    warmError: warmTally.firstError,
    firstOk: first.ok.length,
    warmOk,
    // Per watched pid: CPU of the first call, CPU per warm call (their mean: /proc counts in 10 ms ticks), RSS after the first call and at the end.
    watched: watch.map((pid, i) => ({
      pid,
      firstCpuMs: w1[i].cpuMs - w0[i].cpuMs,
      warmCpuMs: req.warmCalls > 0 ? (w3[i].cpuMs - w2[i].cpuMs) / req.warmCalls : 0,
      openRssMb: w1[i].rssMb,
      afterRssMb: w3[i].rssMb,
    })),
    before,
    open,
    after,
  })}\n`,
);
await ftl.close();
process.exit(0);
