/**
 * The first call of a session, measured two ways on real sshd hosts (issue 18, item 1):
 * paired rounds of `ftl run` against clush and `ansible` ad hoc (each round runs every tool
 * once, in turn, so they meet the same load), and a library session's first call and warm
 * pings on a big fleet. Figures, never assertions.
 */
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { ansibleGood, ANSIBLE_RESULT, FTL_RESULT, ftlGood, timeProcess, type Spawned } from './cold.js';
import { FTL_BIN, FtlLibDriver, WORK } from './drivers.js';
import { ansibleEnv, GROUP, stopMasters, type Fleet } from './fleet.js';
import { summarise } from './stats.js';
import { labPaths } from '../src/lab/files.js';

const CLUSH = '/usr/bin/clush';
const load1 = (): number => loadavg()[0] ?? NaN;

export interface PairedRound {
  ftlFirstMs: number;
  ftlExitMs: number;
  ftlNotOk: number;
  /** clush's `true` has no output: its first result is its exit. Undefined when clush is not installed. */
  clushMs?: number;
  ansibleFirstMs: number;
  ansibleExitMs: number;
  ansibleNotOk: number;
  load: number;
}

export interface PairedFigures {
  hosts: number;
  rounds: PairedRound[];
  ftlFirstMs: number;
  ftlExitMs: number;
  clushMs?: number;
  ansibleFirstMs: number;
  ansibleExitMs: number;
  /** Medians of the per-round ratios (paired), tool / ftl's first result. */
  clushOverFtl?: number;
  ansibleOverFtl: number;
}

function clushSpawn(fleet: Fleet, n: number): Spawned {
  const p = labPaths(fleet.lab.dir);
  const first = fleet.lab.hosts[0];
  const ssh = `-p ${String(first?.port ?? 22)} -i ${p.key} -o UserKnownHostsFile=${p.knownHosts} -o StrictHostKeyChecking=yes -o BatchMode=yes`;
  const hosts = fleet.lab.hosts.slice(0, n).map((h) => h.address).join(',');
  // Fan-out at least the host count, as Ansible's forks and ftl's -f get.
  return { cmd: CLUSH, args: ['-f', String(Math.max(64, n)), '-w', hosts, '-o', ssh, 'true'], env: process.env, firstResult: /$^/, good: () => n };
}

/** `ftl run` (gate already deployed) vs clush `true` vs `ansible -m ping` (pipelining, no ControlPersist master), paired. */
export async function pairedColdRounds(fleet: Fleet, n: number, runs: number, log: (s: string) => void): Promise<PairedFigures> {
  const inv = fleet.inventory(n);
  const ftlRun: Spawned = { cmd: process.execPath, args: [FTL_BIN, 'run', '-i', inv, '-f', String(Math.max(50, n)), GROUP, 'ping'], env: { ...process.env, NO_COLOR: '1' }, firstResult: FTL_RESULT, good: ftlGood };
  const controlDir = join(fleet.workDir, `cp-${String(n)}`);
  const adhoc: Spawned = { cmd: 'ansible', args: ['-i', inv, GROUP, '-m', 'ping'], env: ansibleEnv({ pipelining: true, forks: Math.max(n, 5), controlDir }, fleet.workDir), firstResult: ANSIBLE_RESULT, good: ansibleGood };
  const clush = existsSync(CLUSH) ? clushSpawn(fleet, n) : undefined;
  if (clush === undefined) log(`  clush: skipped (${CLUSH} not installed; Debian package clustershell)`);
  // The gate deployed once: every round below is "gate already there", as a user's second session.
  await timeProcess(ftlRun);
  const rounds: PairedRound[] = [];
  for (let r = 0; r < runs; r++) {
    const f = await timeProcess(ftlRun);
    const c = clush === undefined ? undefined : await timeProcess(clush);
    await stopMasters(controlDir);
    const a = await timeProcess(adhoc);
    const round: PairedRound = {
      ftlFirstMs: f.firstMs,
      ftlExitMs: f.exitMs,
      ftlNotOk: n - ftlRun.good(f.out),
      ...(c === undefined ? {} : { clushMs: c.exitMs }),
      ansibleFirstMs: a.firstMs,
      ansibleExitMs: a.exitMs,
      ansibleNotOk: n - adhoc.good(a.out),
      load: load1(),
    };
    rounds.push(round);
    log(
      `  ${String(n)} hosts, round ${String(r + 1)}: ftl run first result ${f.firstMs.toFixed(0)} ms, exit ${f.exitMs.toFixed(0)} ms${round.ftlNotOk > 0 ? ` (${String(round.ftlNotOk)} not ok)` : ''}` +
        `${c === undefined ? '' : ` · clush true ${c.exitMs.toFixed(0)} ms`} · ansible ad hoc first ${a.firstMs.toFixed(0)} ms, exit ${a.exitMs.toFixed(0)} ms${round.ansibleNotOk > 0 ? ` (${String(round.ansibleNotOk)} not ok)` : ''} · load ${round.load.toFixed(1)}`,
    );
  }
  await stopMasters(controlDir);
  const med = (xs: number[]): number => summarise(xs).median;
  const clushes = rounds.flatMap((r) => (r.clushMs === undefined ? [] : [r.clushMs]));
  const out: PairedFigures = {
    hosts: n,
    rounds,
    ftlFirstMs: med(rounds.map((r) => r.ftlFirstMs)),
    ftlExitMs: med(rounds.map((r) => r.ftlExitMs)),
    ansibleFirstMs: med(rounds.map((r) => r.ansibleFirstMs)),
    ansibleExitMs: med(rounds.map((r) => r.ansibleExitMs)),
    ansibleOverFtl: med(rounds.map((r) => r.ansibleFirstMs / r.ftlFirstMs)),
    ...(clushes.length === 0 ? {} : { clushMs: med(clushes), clushOverFtl: med(rounds.flatMap((r) => (r.clushMs === undefined ? [] : [r.clushMs / r.ftlFirstMs]))) }),
  };
  log(
    `  ${String(n)} hosts, median of ${String(runs)}: ftl run first ${out.ftlFirstMs.toFixed(0)} ms (exit ${out.ftlExitMs.toFixed(0)})` +
      (out.clushMs === undefined ? '' : ` · clush ${out.clushMs.toFixed(0)} ms (clush / ftl first, paired: ${(out.clushOverFtl ?? NaN).toFixed(2)}x)`) +
      ` · ansible first ${out.ansibleFirstMs.toFixed(0)} ms (exit ${out.ansibleExitMs.toFixed(0)}; ansible / ftl, paired: ${out.ansibleOverFtl.toFixed(2)}x)`,
  );
  return out;
}

export interface BigFleetFigures {
  hosts: number;
  deployed: boolean;
  firstMs: number;
  firstNotOk: number;
  firstError: string;
  warmMedianMs: number;
  warmP95Ms: number;
  warmNotOk: number;
  load: number;
}

/** A fresh library session (forks = hosts) on n hosts, first with no gate on them, then with it deployed. */
export async function bigFleetFirstCall(fleet: Fleet, n: number, log: (s: string) => void): Promise<BigFleetFigures[]> {
  const inv = fleet.inventory(n);
  fleet.wipeRemote(n, 'ftl');
  const out: BigFleetFigures[] = [];
  for (const deployed of [false, true]) {
    const d = await FtlLibDriver.open(inv, n, { forks: n });
    try {
      const first = await d.series(WORK.ping, 1);
      const warm = await d.series(WORK.ping, 10);
      const s = summarise(warm.samples);
      const f: BigFleetFigures = { hosts: n, deployed, firstMs: first.samples[0] ?? NaN, firstNotOk: first.failures, firstError: first.firstError, warmMedianMs: s.median, warmP95Ms: s.p95, warmNotOk: warm.failures, load: load1() };
      out.push(f);
      log(
        `  ${String(n)} hosts, ${deployed ? 'gate already deployed' : 'no gate on the hosts'}: first call ${f.firstMs.toFixed(0)} ms${f.firstNotOk > 0 ? ` (${String(f.firstNotOk)} not ok: ${f.firstError})` : ''}` +
          ` · warm ping median ${f.warmMedianMs.toFixed(0)} ms${f.warmNotOk > 0 ? ` (${String(f.warmNotOk)} not ok)` : ''} · load ${f.load.toFixed(1)}`,
      );
    } finally {
      await d.close();
    }
  }
  return out;
}
