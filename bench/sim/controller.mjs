/**
 * The controller under measurement: ftl's library on the built package (dist/), in a
 * process of its own so its memory and CPU are its alone (the simulated hosts run in other
 * processes). One JSON argument: {inventory, pattern, hosts, warmCalls, module, args}.
 * Prints one JSON line with its figures, then closes the session and exits.
 * Run with --expose-gc so the memory figures are taken after a collection.
 */
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
const ftl = await automation({ inventory: req.inventory, forks: req.hosts });
const openMs = performance.now() - t0;
const openCpuMs = cpuMs(c0);

eld.enable();
const t1 = performance.now();
const c1 = process.cpuUsage();
const first = await ftl.run(req.pattern, req.module, req.args);
const firstMs = performance.now() - t1;
const firstCpuMs = cpuMs(c1);
const firstDelay = delays();
const firstTally = tally(first);
const open = mem();

const samples = [];
const cpus = [];
let warmTally = { statuses: {}, firstError: '' };
for (let i = 0; i < req.warmCalls; i++) {
  const c = process.cpuUsage();
  const t = performance.now();
  const r = await ftl.run(req.pattern, req.module, req.args);
  samples.push(performance.now() - t);
  cpus.push(cpuMs(c));
  warmTally = tally(r);
}
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
    before,
    open,
    after,
  })}\n`,
);
await ftl.close();
process.exit(0);
