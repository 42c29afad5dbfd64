/**
 * The controller's curve on a simulated fleet: for each size, a fresh fleet (bench/sim/fleet.ts)
 * and a fresh controller process (controller.mjs on dist/), timing the first call (connect,
 * start every gate, ping) and warm pings, with the controller's RSS, CPU per call and
 * event-loop delay. Writes a table and a PNG; figures, never assertions.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSimFleet, SIM_GROUP } from './fleet.js';
import { chartPng } from './png.js';

const CONTROLLER = fileURLToPath(new URL('./controller.mjs', import.meta.url));

export interface SimPoint {
  hosts: number;
  openMs: number;
  firstMs: number;
  firstCpuMs: number;
  firstDelay: { p50: number; p99: number; max: number };
  firstStatuses: Record<string, number>;
  firstError: string;
  warmMedianMs: number;
  warmCpuMs: number;
  warmDelay: { p50: number; p99: number; max: number };
  warmStatuses: Record<string, number>;
  warmError: string;
  before: { rssMb: number; heapMb: number; externalMb: number };
  open: { rssMb: number; heapMb: number; externalMb: number };
  after: { rssMb: number; heapMb: number; externalMb: number };
  /** The simulated hosts' own processes, for scale: not the controller. */
  serverRssMb: number;
  serverProcesses: number;
}

export interface SimCurveOptions {
  sizes: readonly number[];
  warmCalls: number;
  latencyMs: number;
  jitterMs: number;
  log: (s: string) => void;
  /** Called after each size with the points so far: a run stopped part-way keeps what it measured. */
  onPoint?: (points: readonly SimPoint[]) => void;
  /** The command that made the table, as the section names it. */
  command?: string;
}

/** What controller.mjs prints: its figures, with those only some runs read (nats-sim.ts). */
export type ControllerFigures = Omit<SimPoint, 'serverRssMb' | 'serverProcesses'> & {
  firstOk: number;
  /** Hosts ok summed over the warm calls. */
  warmOk: number;
  watched: { pid: number; firstCpuMs: number; warmCpuMs: number; openRssMb: number; afterRssMb: number }[];
};

/** Runs controller.mjs (on dist/) in a process of its own with one request; its figures. */
export function runController(req: Record<string, unknown>, timeoutMs: number): Promise<ControllerFigures> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--expose-gc', CONTROLLER, JSON.stringify(req)], { timeout: timeoutMs, maxBuffer: 64 * 2 ** 20 }, (err, stdout, stderr) => {
      const line = stdout.trim().split('\n').pop() ?? '';
      if (line.startsWith('{')) resolve(JSON.parse(line) as ControllerFigures);
      else reject(new Error(`the controller failed${err === null ? '' : ` (${err.message.split('\n')[0] ?? ''})`}: ${stderr.trim().slice(-800)}`));
    });
  });
}

export async function simCurve(o: SimCurveOptions): Promise<SimPoint[]> {
  const out: SimPoint[] = [];
  for (const hosts of o.sizes) {
    const dir = mkdtempSync(join(tmpdir(), 'ftl-sim-bench-'));
    try {
      const fleet = await startSimFleet({ count: hosts, latencyMs: o.latencyMs, jitterMs: o.jitterMs, dir });
      try {
        // A first call on 10,000 hosts over 8 connects at a time takes minutes on a loaded machine.
        const p = await runController({ inventory: fleet.inventoryPath, pattern: SIM_GROUP, hosts, warmCalls: o.warmCalls, module: 'ping', args: {} }, 60 * 60_000);
        const s = await fleet.stats();
        const point = { ...p, serverRssMb: s.rssMb, serverProcesses: s.processes };
        out.push(point);
        o.onPoint?.(out);
        o.log(`  sim ${String(hosts)} hosts: first call ${(p.firstMs / 1000).toFixed(1)} s, warm ping ${p.warmMedianMs.toFixed(0)} ms (${p.warmCpuMs.toFixed(0)} ms CPU), RSS ${p.open.rssMb.toFixed(0)} MB, loop delay p99 ${p.warmDelay.p99.toFixed(1)} ms, ${JSON.stringify(p.warmStatuses)}${p.warmError === '' ? '' : ` · ${p.warmError}`}`);
      } finally {
        await fleet.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return out;
}

const n0 = (v: number): string => v.toFixed(0);
const n1 = (v: number): string => v.toFixed(1);

/** Failures as a short count: hosts not ok in the last warm call. */
function notOk(s: Record<string, number>): number {
  return Object.entries(s).reduce((sum, [k, v]) => (k === 'ok' || k === 'changed' ? sum : sum + v), 0);
}

export function simTableMarkdown(points: readonly SimPoint[], o: SimCurveOptions, load: { start: string; end: string }, png: string | undefined): string {
  const rows = points.map((p) => {
    const perHostKb = ((p.open.rssMb - p.before.rssMb) * 1024) / p.hosts;
    const heapKb = ((p.open.heapMb - p.before.heapMb) * 1024) / p.hosts;
    return `| ${String(p.hosts)} | ${n1(p.firstMs / 1000)} s | ${n0(p.firstCpuMs)} ms | ${n0(p.warmMedianMs)} ms | ${n0(p.warmCpuMs)} ms (${n1((p.warmCpuMs * 1000) / p.hosts)} µs/host) | ${n0(p.open.rssMb)} MB | ${n1(perHostKb)} KB | ${n1(heapKb)} KB | ${n1(p.firstDelay.p99)} / ${n1(p.warmDelay.p99)} ms | ${String(notOk(p.firstStatuses))} / ${String(notOk(p.warmStatuses))} | ${n0(p.serverRssMb)} MB (${String(p.serverProcesses)}) |`;
  });
  return [
    '## Simulated fleet: one controller from 100 to 10,000 hosts',
    '',
    `Generated by \`${o.command ?? 'npm run bench -- --only sim'}\` (bench/sim/curve.ts). Each size gets a fresh simulated fleet (bench/sim/fleet.ts: ssh2's server side in separate processes, one loopback address per host on one port, host keys checked against a generated known_hosts, answering the gate protocol with ${String(o.latencyMs)} ± ${String(o.jitterMs)} ms per reply) and a fresh controller process (ftl's library on dist/, forks = hosts). First call: connect, authenticate, start every gate and ping, in one \`run('sim', 'ping')\`. Warm: the median of ${String(o.warmCalls)} pings after it. RSS and heap are taken after a full GC with every gate open; per host is the growth over the controller before the session opened, divided by the hosts. Event-loop delay: perf_hooks.monitorEventLoopDelay over the first call / the warm calls (p99).`,
    '',
    `Load average at the start ${load.start}, at the end ${load.end} (1, 5, 15 min) on a 2-core machine: the simulated hosts' processes compete with the controller for the same 2 cores (and any other work on the machine shows in the load), so times are upper bounds; memory figures are not affected.`,
    '',
    '| hosts | first call | its CPU | warm ping | CPU per warm call | controller RSS, gates open | RSS per host | JS heap per host | loop delay p99 first / warm | not ok first / warm | sim servers RSS (processes) |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    ...(png === undefined ? [] : [`![The controller's curve on the simulated fleet](${png})`, '']),
  ].join('\n');
}

export function writeSimPng(path: string, points: readonly SimPoint[]): void {
  const pts = (f: (p: SimPoint) => number): { x: number; y: number }[] => points.map((p) => ({ x: p.hosts, y: f(p) }));
  writeFileSync(
    path,
    chartPng('FTL CONTROLLER ON A SIMULATED FLEET (X: HOSTS, LOG)', [
      { title: 'FIRST CALL (S)', points: pts((p) => p.firstMs / 1000) },
      { title: 'WARM PING (MS)', points: pts((p) => p.warmMedianMs) },
      { title: 'CONTROLLER RSS, GATES OPEN (MB)', points: pts((p) => p.open.rssMb) },
      { title: 'CPU PER WARM CALL (MS)', points: pts((p) => p.warmCpuMs) },
    ]),
  );
}

export function loadNow(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(', ');
}

/** Puts the section between its markers in BENCHMARKS.md text (before the analysis when new). */
export function withSimSection(text: string, section: string): string {
  const START = '<!-- sim:start -->';
  const END = '<!-- sim:end -->';
  const block = `${START}\n${section}\n${END}`;
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a >= 0 && b > a) return text.slice(0, a) + block + text.slice(b + END.length);
  const analysis = text.indexOf('<!-- analysis:start -->');
  if (analysis >= 0) return `${text.slice(0, analysis)}${block}\n\n${text.slice(analysis)}`;
  return `${text.trimEnd()}\n\n${block}\n`;
}

/** The section as it stands in BENCHMARKS.md text, markers included ('' when there is none). */
export function keptSimSection(text: string): string {
  const a = text.indexOf('<!-- sim:start -->');
  const b = text.indexOf('<!-- sim:end -->');
  return a >= 0 && b > a ? text.slice(a, b + '<!-- sim:end -->'.length) : '';
}
