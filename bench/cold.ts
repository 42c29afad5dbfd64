import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { FTL_BIN, ROOT, plainStatusCounts } from './drivers.js';
import { ansibleEnv, GROUP, stopMasters, type Fleet } from './fleet.js';
import { ProcessGroup, reapedCpuMs } from './proc.js';
import { summarise } from './stats.js';

/** One cold start: from spawning the process to the first host's result on its stdout, and to its exit. */
export interface ColdRun {
  firstMs: number;
  exitMs: number;
  /** Hosts that did not come back ok. */
  failures: number;
  /** Controller CPU: the process and everything it ran (for Ansible also its ControlPersist masters), ms. */
  controllerCpuMs: number;
  /** CPU on the hosts' side: sshd, shells, Python, ms. */
  hostCpuMs: number;
}

export interface ColdCase {
  readonly key: string;
  readonly label: string;
  readonly tool: 'ftl' | 'ansible';
  readonly runs: readonly ColdRun[];
  readonly firstMedian: number;
  readonly exitMedian: number;
  readonly failures: number;
  readonly controllerCpuMedian: number;
  readonly hostCpuMedian: number;
  /** The 1-minute load average after each run, median. */
  readonly load: number;
}

export interface Spawned {
  cmd: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** Written to stdin, which is then closed. */
  stdin?: string;
  /** Where the first result shows in the output so far (a line of a host's result). */
  firstResult: RegExp;
  /** Good hosts in the whole output. */
  good: (out: string) => number;
}

export function timeProcess(s: Spawned): Promise<{ firstMs: number; exitMs: number; out: string }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(s.cmd, s.args, { env: s.env, cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let firstMs = NaN;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      out += d;
      if (Number.isNaN(firstMs) && s.firstResult.test(out)) firstMs = performance.now() - t0;
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString('utf8');
    });
    child.once('error', reject);
    child.once('close', () => {
      resolve({ firstMs, exitMs: performance.now() - t0, out: out + err });
    });
    child.stdin.end(s.stdin ?? '');
  });
}

export const FTL_RESULT = /^\S+ (ok|changed|failed|unreachable) /m;
export const ANSIBLE_RESULT = /^\S+ \| [A-Z]+/m;
export const ansibleGood = (out: string): number => [...out.matchAll(/^\S+ \| SUCCESS/gm)].length;
export const ftlGood = (out: string): number => plainStatusCounts(out).ok ?? 0;

interface Where {
  hosts: number;
  /** The hosts' sshd listeners: every session and gate is in their trees. */
  hostSide: ProcessGroup;
  /** Controller processes that outlive the command (ControlPersist masters). */
  detached?: ProcessGroup;
}

/** One way to start cold: what to clear before it, and what to spawn. */
interface ColdSpec {
  readonly label: string;
  readonly key: string;
  readonly tool: 'ftl' | 'ansible';
  readonly where: Where;
  readonly before: () => Promise<void> | void;
  readonly spawned: Spawned;
}

async function once(c: ColdSpec): Promise<ColdRun & { out: string }> {
  await c.before();
  const c0 = reapedCpuMs() + (c.where.detached?.cpuMs() ?? 0);
  const h0 = c.where.hostSide.cpuMs();
  const r = await timeProcess(c.spawned);
  // Let sshd reap the sessions that ended with the process.
  await new Promise((res) => setTimeout(res, 300));
  const controllerCpuMs = reapedCpuMs() + (c.where.detached?.cpuMs() ?? 0) - c0;
  const hostCpuMs = c.where.hostSide.cpuMs() - h0;
  return { firstMs: r.firstMs, exitMs: r.exitMs, failures: c.where.hosts - c.spawned.good(r.out), controllerCpuMs, hostCpuMs, out: r.out };
}

function summary(c: ColdSpec, runs: readonly ColdRun[], load: number): ColdCase {
  return {
    key: c.key,
    label: c.label,
    tool: c.tool,
    runs,
    firstMedian: summarise(runs.map((r) => r.firstMs)).median,
    exitMedian: summarise(runs.map((r) => r.exitMs)).median,
    failures: runs.reduce((a, r) => a + r.failures, 0),
    controllerCpuMedian: summarise(runs.map((r) => r.controllerCpuMs)).median,
    hostCpuMedian: summarise(runs.map((r) => r.hostCpuMs)).median,
    load,
  };
}

/**
 * Cold starts on `hosts` hosts: ftl run and the piped REPL with no gate on the hosts
 * (their ~/.ftl removed) and with it already there; ansible ad hoc with no ControlPersist
 * master and no ~/.ansible on the hosts, with and without pipelining, and with masters
 * still up from the run before. The cases take turns, `runs` rounds of all of them, so
 * each meets the same ups and downs of the machine's load.
 */
export async function benchCold(fleet: Fleet, hosts: number, runs: number, log: (s: string) => void): Promise<ColdCase[]> {
  const inv = fleet.inventory(hosts);
  const ftlEnv = { ...process.env, NO_COLOR: '1' };
  const ftlRun: Spawned = { cmd: process.execPath, args: [FTL_BIN, 'run', '-i', inv, GROUP, 'ping'], env: ftlEnv, firstResult: FTL_RESULT, good: ftlGood };
  const ftlRepl: Spawned = { cmd: process.execPath, args: [FTL_BIN, '-i', inv], env: ftlEnv, stdin: `ftl.${GROUP}.ping()\n`, firstResult: FTL_RESULT, good: ftlGood };
  const where: Where = { hosts, hostSide: new ProcessGroup(fleet.listeners(hosts)) };
  const wipeFtl = (): void => {
    fleet.wipeRemote(hosts, 'ftl');
  };
  const nothing = (): void => undefined;
  const specs: ColdSpec[] = [
    { label: 'ftl run, no gate on the hosts', key: 'ftl-run-fresh', tool: 'ftl', where, before: wipeFtl, spawned: ftlRun },
    { label: 'ftl run, gate already deployed', key: 'ftl-run-deployed', tool: 'ftl', where, before: nothing, spawned: ftlRun },
    { label: 'ftl REPL piped, no gate on the hosts', key: 'ftl-repl-fresh', tool: 'ftl', where, before: wipeFtl, spawned: ftlRepl },
    { label: 'ftl REPL piped, gate already deployed', key: 'ftl-repl-deployed', tool: 'ftl', where, before: nothing, spawned: ftlRepl },
  ];
  const controlDirs: string[] = [];
  for (const pipelining of [false, true]) {
    const controlDir = join(fleet.workDir, `cp-cold-${pipelining ? 'pipe' : 'nopipe'}`);
    controlDirs.push(controlDir);
    const env = ansibleEnv({ pipelining, forks: Math.max(hosts, 5), controlDir }, fleet.workDir);
    const adhoc: Spawned = { cmd: 'ansible', args: ['-i', inv, GROUP, '-m', 'ping'], env, firstResult: ANSIBLE_RESULT, good: ansibleGood };
    const p = pipelining ? ', pipelining' : '';
    const withMasters: Where = { ...where, detached: new ProcessGroup([], controlDir) };
    const fresh = async (): Promise<void> => {
      await stopMasters(controlDir);
      fleet.wipeRemote(hosts, 'ansible');
    };
    specs.push(
      { label: `ansible ad hoc${p}, no ControlPersist master`, key: `ansible-cold${pipelining ? '-pipe' : ''}`, tool: 'ansible', where: withMasters, before: fresh, spawned: adhoc },
      { label: `ansible ad hoc${p}, ControlPersist masters up`, key: `ansible-masters${pipelining ? '-pipe' : ''}`, tool: 'ansible', where: withMasters, before: nothing, spawned: adhoc },
    );
  }
  const results = specs.map(() => [] as ColdRun[]);
  const loads = specs.map(() => [] as number[]);
  try {
    for (let round = 0; round < runs; round++) {
      for (const [i, spec] of specs.entries()) {
        const r = await once(spec);
        if (r.failures > 0) log(`  ${spec.label}: ${String(r.failures)} hosts not ok; output: ${r.out.slice(0, 400)}`);
        results[i]?.push({ firstMs: r.firstMs, exitMs: r.exitMs, failures: r.failures, controllerCpuMs: r.controllerCpuMs, hostCpuMs: r.hostCpuMs });
        loads[i]?.push(loadavg()[0] ?? NaN);
      }
    }
  } finally {
    for (const d of controlDirs) await stopMasters(d);
  }
  return specs.map((spec, i) => {
    const c = summary(spec, results[i] ?? [], summarise(loads[i] ?? []).median);
    log(
      `  ${c.label}: first result ${c.firstMedian.toFixed(0)} ms, exit ${c.exitMedian.toFixed(0)} ms, CPU ${c.controllerCpuMedian.toFixed(0)} ms controller + ${c.hostCpuMedian.toFixed(0)} ms hosts (median of ${String(c.runs.length)}), load ${c.load.toFixed(1)}${c.failures > 0 ? `, ${String(c.failures)} failures` : ''}`,
    );
    return c;
  });
}
