/**
 * `npm run bench:cold-path`: the first call of a session, against clush and Ansible on the
 * same lab hosts, paired round by round (each round runs every tool once, in turn, so they
 * meet the same load). Figures, never assertions.
 *   --hosts 10,50   fleet sizes for the paired rounds     --runs 3   rounds per size
 *   --big 200       first call and warm ping at this size (0: skip)
 *   --floor         also lineinfile through the gate against a bare fork of a warm interpreter
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ansibleGood, ANSIBLE_RESULT, FTL_RESULT, ftlGood, timeProcess, type Spawned } from './cold.js';
import { FTL_BIN, FtlLibDriver, WORK } from './drivers.js';
import { ansibleEnv, Fleet, GROUP, stopMasters } from './fleet.js';
import { benchLineinfileFloor } from './lineinfile-floor.js';
import { summarise } from './stats.js';
import { labPaths } from '../src/lab/files.js';

const CLUSH = '/usr/bin/clush';

const { values: opt } = parseArgs({
  options: {
    hosts: { type: 'string', default: '10,50' },
    runs: { type: 'string', default: '3' },
    big: { type: 'string', default: '200' },
    floor: { type: 'boolean', default: false },
  },
});
const sizes = opt.hosts.split(',').map(Number).filter((n) => n > 0);
const runs = Number(opt.runs);
const big = Number(opt.big);
const log = (s: string): void => {
  console.log(s);
};
const load = (): string => (loadavg()[0] ?? NaN).toFixed(1);

function clushSpawn(fleet: Fleet, n: number): Spawned {
  const p = labPaths(fleet.lab.dir);
  const first = fleet.lab.hosts[0];
  const ssh = `-p ${String(first?.port ?? 22)} -i ${p.key} -o UserKnownHostsFile=${p.knownHosts} -o StrictHostKeyChecking=yes -o BatchMode=yes`;
  const hosts = fleet.lab.hosts.slice(0, n).map((h) => h.address).join(',');
  // `true` prints nothing: its first result is its exit. Fan-out at least the host count, as Ansible's forks.
  return { cmd: CLUSH, args: ['-f', String(Math.max(64, n)), '-w', hosts, '-o', ssh, 'true'], env: process.env, firstResult: /$^/, good: () => n };
}

async function paired(fleet: Fleet, n: number): Promise<void> {
  const inv = fleet.inventory(n);
  const ftlRun: Spawned = { cmd: process.execPath, args: [FTL_BIN, 'run', '-i', inv, '-f', String(Math.max(50, n)), GROUP, 'ping'], env: { ...process.env, NO_COLOR: '1' }, firstResult: FTL_RESULT, good: ftlGood };
  const controlDir = join(fleet.workDir, `cp-${String(n)}`);
  const adhoc: Spawned = { cmd: 'ansible', args: ['-i', inv, GROUP, '-m', 'ping'], env: ansibleEnv({ pipelining: true, forks: Math.max(n, 5), controlDir }, fleet.workDir), firstResult: ANSIBLE_RESULT, good: ansibleGood };
  const clush = existsSync(CLUSH) ? clushSpawn(fleet, n) : undefined;
  if (clush === undefined) log(`  clush: skipped (${CLUSH} not installed; Debian package clustershell)`);
  // The gate deployed once: every round below is "gate already there", as a user's second session.
  await timeProcess(ftlRun);
  const rows = { ftlFirst: [] as number[], ftlExit: [] as number[], clush: [] as number[], ansibleFirst: [] as number[], ansibleExit: [] as number[], rClush: [] as number[], rAnsible: [] as number[] };
  for (let r = 0; r < runs; r++) {
    const f = await timeProcess(ftlRun);
    const fBad = n - ftlRun.good(f.out);
    const c = clush === undefined ? undefined : await timeProcess(clush);
    await stopMasters(controlDir);
    const a = await timeProcess(adhoc);
    const aBad = n - adhoc.good(a.out);
    rows.ftlFirst.push(f.firstMs);
    rows.ftlExit.push(f.exitMs);
    rows.ansibleFirst.push(a.firstMs);
    rows.ansibleExit.push(a.exitMs);
    rows.rAnsible.push(a.firstMs / f.firstMs);
    if (c !== undefined) {
      rows.clush.push(c.exitMs);
      rows.rClush.push(c.exitMs / f.firstMs);
    }
    log(
      `  ${String(n)} hosts, round ${String(r + 1)}: ftl run first result ${f.firstMs.toFixed(0)} ms, exit ${f.exitMs.toFixed(0)} ms${fBad > 0 ? ` (${String(fBad)} not ok)` : ''}` +
        `${c === undefined ? '' : ` · clush true ${c.exitMs.toFixed(0)} ms`} · ansible ad hoc first ${a.firstMs.toFixed(0)} ms, exit ${a.exitMs.toFixed(0)} ms${aBad > 0 ? ` (${String(aBad)} not ok)` : ''} · load ${load()}`,
    );
  }
  await stopMasters(controlDir);
  const m = (xs: number[]): string => summarise(xs).median.toFixed(0);
  const x = (xs: number[]): string => summarise(xs).median.toFixed(2);
  log(
    `  ${String(n)} hosts, median of ${String(runs)}: ftl run first ${m(rows.ftlFirst)} ms (exit ${m(rows.ftlExit)})` +
      (rows.clush.length === 0 ? '' : ` · clush ${m(rows.clush)} ms (clush / ftl first, paired: ${x(rows.rClush)}x)`) +
      ` · ansible first ${m(rows.ansibleFirst)} ms (exit ${m(rows.ansibleExit)}; ansible / ftl, paired: ${x(rows.rAnsible)}x)`,
  );
}

async function bigFleet(fleet: Fleet, n: number): Promise<void> {
  const inv = fleet.inventory(n);
  fleet.wipeRemote(n, 'ftl');
  for (const deployed of [false, true]) {
    // A fresh session each time: the library object in a process of its own, forks = hosts.
    const d = await FtlLibDriver.open(inv, n, { forks: n });
    try {
      const first = await d.series(WORK.ping, 1);
      const warm = await d.series(WORK.ping, 10);
      log(
        `  ${String(n)} hosts, ${deployed ? 'gate already deployed' : 'no gate on the hosts'}: first call ${(first.samples[0] ?? NaN).toFixed(0)} ms${first.failures > 0 ? ` (${String(first.failures)} not ok: ${first.firstError})` : ''}` +
          ` · warm ping median ${summarise(warm.samples).median.toFixed(0)} ms${warm.failures > 0 ? ` (${String(warm.failures)} not ok)` : ''} · load ${load()}`,
      );
    } finally {
      await d.close();
    }
  }
}

const work = mkdtempSync(join(tmpdir(), 'ftl-bench-coldpath-'));
const size = Math.max(...sizes, big);
log(`cold path · ${new Date().toISOString()} · load ${load()}`);
const fleet = await Fleet.up(size, work);
try {
  for (const n of sizes) await paired(fleet, n);
  if (big > 0) await bigFleet(fleet, big);
} finally {
  await fleet.down();
  rmSync(work, { recursive: true, force: true });
}
if (opt.floor) await benchLineinfileFloor(log);
log(`done · load ${load()}`);
