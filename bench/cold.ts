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
  /** The 1-minute load average when the runs ended. */
  readonly load: number;
}

interface Spawned {
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

function timeProcess(s: Spawned): Promise<{ firstMs: number; exitMs: number; out: string }> {
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

const FTL_RESULT = /^\S+ (ok|changed|failed|unreachable) /m;
const ANSIBLE_RESULT = /^\S+ \| [A-Z]+/m;
const ansibleGood = (out: string): number => [...out.matchAll(/^\S+ \| SUCCESS/gm)].length;
const ftlGood = (out: string): number => plainStatusCounts(out).ok ?? 0;

interface Where {
  hosts: number;
  /** The hosts' sshd listeners: every session and gate is in their trees. */
  hostSide: ProcessGroup;
  /** Controller processes that outlive the command (ControlPersist masters). */
  detached?: ProcessGroup;
}

async function repeat(label: string, key: string, tool: 'ftl' | 'ansible', runs: number, where: Where, before: () => Promise<void> | void, s: Spawned): Promise<ColdCase> {
  const out: ColdRun[] = [];
  for (let i = 0; i < runs; i++) {
    await before();
    const c0 = reapedCpuMs() + (where.detached?.cpuMs() ?? 0);
    const h0 = where.hostSide.cpuMs();
    const r = await timeProcess(s);
    // Let sshd reap the sessions that ended with the process.
    await new Promise((res) => setTimeout(res, 300));
    const controllerCpuMs = reapedCpuMs() + (where.detached?.cpuMs() ?? 0) - c0;
    const hostCpuMs = where.hostSide.cpuMs() - h0;
    const failures = where.hosts - s.good(r.out);
    if (failures > 0 && out.every((x) => x.failures === 0)) console.log(`  ${label}: ${String(failures)} hosts not ok; output: ${r.out.slice(0, 400)}`);
    out.push({ firstMs: r.firstMs, exitMs: r.exitMs, failures, controllerCpuMs, hostCpuMs });
  }
  return {
    key,
    label,
    tool,
    runs: out,
    firstMedian: summarise(out.map((r) => r.firstMs)).median,
    exitMedian: summarise(out.map((r) => r.exitMs)).median,
    failures: out.reduce((a, r) => a + r.failures, 0),
    controllerCpuMedian: summarise(out.map((r) => r.controllerCpuMs)).median,
    hostCpuMedian: summarise(out.map((r) => r.hostCpuMs)).median,
    load: loadavg()[0] ?? NaN,
  };
}

/**
 * Cold starts on `hosts` hosts, each `runs` times: ftl run and the piped REPL with no gate
 * on the hosts (their ~/.ftl removed) and with it already there; ansible ad hoc with no
 * ControlPersist master and no ~/.ansible on the hosts, with and without pipelining, and
 * with masters still up from the run before.
 */
export async function benchCold(fleet: Fleet, hosts: number, runs: number, log: (s: string) => void): Promise<ColdCase[]> {
  const inv = fleet.inventory(hosts);
  const ftlEnv = { ...process.env, NO_COLOR: '1' };
  const ftlRun: Spawned = { cmd: process.execPath, args: [FTL_BIN, 'run', '-i', inv, GROUP, 'ping'], env: ftlEnv, firstResult: FTL_RESULT, good: ftlGood };
  const ftlRepl: Spawned = { cmd: process.execPath, args: [FTL_BIN, '-i', inv], env: ftlEnv, stdin: `ftl.${GROUP}.ping()\n`, firstResult: FTL_RESULT, good: ftlGood };
  const cases: ColdCase[] = [];
  const add = (c: ColdCase): void => {
    cases.push(c);
    log(
      `  ${c.label}: first result ${c.firstMedian.toFixed(0)} ms, exit ${c.exitMedian.toFixed(0)} ms, CPU ${c.controllerCpuMedian.toFixed(0)} ms controller + ${c.hostCpuMedian.toFixed(0)} ms hosts (median of ${String(c.runs.length)})${c.failures > 0 ? `, ${String(c.failures)} failures` : ''}`,
    );
  };
  const where: Where = { hosts, hostSide: new ProcessGroup(fleet.listeners(hosts)) };
  const wipeFtl = (): void => {
    fleet.wipeRemote(hosts, 'ftl');
  };
  add(await repeat('ftl run, no gate on the hosts', 'ftl-run-fresh', 'ftl', runs, where, wipeFtl, ftlRun));
  add(await repeat('ftl run, gate already deployed', 'ftl-run-deployed', 'ftl', runs, where, () => undefined, ftlRun));
  add(await repeat('ftl REPL piped, no gate on the hosts', 'ftl-repl-fresh', 'ftl', runs, where, wipeFtl, ftlRepl));
  add(await repeat('ftl REPL piped, gate already deployed', 'ftl-repl-deployed', 'ftl', runs, where, () => undefined, ftlRepl));

  for (const pipelining of [false, true]) {
    const controlDir = join(fleet.workDir, `cp-cold-${pipelining ? 'pipe' : 'nopipe'}`);
    const env = ansibleEnv({ pipelining, forks: Math.max(hosts, 5), controlDir }, fleet.workDir);
    const adhoc: Spawned = { cmd: 'ansible', args: ['-i', inv, GROUP, '-m', 'ping'], env, firstResult: ANSIBLE_RESULT, good: ansibleGood };
    const p = pipelining ? ', pipelining' : '';
    const withMasters: Where = { ...where, detached: new ProcessGroup([], controlDir) };
    add(
      await repeat(`ansible ad hoc${p}, no ControlPersist master`, `ansible-cold${pipelining ? '-pipe' : ''}`, 'ansible', runs, withMasters, async () => {
        await stopMasters(controlDir);
        fleet.wipeRemote(hosts, 'ansible');
      }, adhoc),
    );
    add(await repeat(`ansible ad hoc${p}, ControlPersist masters up`, `ansible-masters${pipelining ? '-pipe' : ''}`, 'ansible', runs, withMasters, () => undefined, adhoc));
    await stopMasters(controlDir);
  }
  return cases;
}
