/**
 * `npm run bench`: ftl against Ansible on a lab fleet of real sshd hosts. Figures, never
 * assertions. A full run writes BENCHMARKS.md; see --help for the quick and partial runs.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { freemem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { benchCold, type ColdCase } from './cold.js';
import { ROOT, type Work } from './drivers.js';
import { Fleet } from './fleet.js';
import { benchBigOutput } from './big-output.js';
import { benchLocalGate } from './gate-local.js';
import { benchRepl } from './repl.js';
import { benchZygote } from './zygote.js';
import { benchLineinfileFloor } from './lineinfile-floor.js';
import { benchInventory } from './inventory.js';
import { machineInfo } from './machine.js';
import type { Series } from './measure.js';
import { ProcessGroup } from './proc.js';
import { benchProfiles } from './profiles.js';
import { coldTable, fmtMs, renderMarkdown, renderText, scaleTable, SeriesSet, targetTable, warmTable, wireTable, type Table, type TargetCheck } from './report.js';
import { runSessions, type FirstCall, type SessionPlan } from './warm.js';
import { keptSimSection, loadNow, simCurve, simTableMarkdown, withSimSection, writeSimPng, type SimPoint } from './sim/curve.js';

const SECTIONS = ['warm', 'cold', 'scale', 'wire', 'micro', 'profile', 'sim'] as const;
type Section = (typeof SECTIONS)[number];

const HELP = `npm run bench [-- options]
  --quick            fewer hosts and calls (a few minutes): warm on 1 and 10 hosts, scale to 50
  --only LIST        sections to run, comma-separated: ${SECTIONS.join(', ')} (default: all but profile and sim)
  --max-hosts N      largest fleet for the scale section (default 200; the lab holds at most 250)
  --sim-hosts LIST   fleet sizes for the sim section (default 100,1000,5000,10000; --quick 100,1000): a simulated
                     fleet (bench/sim), not sshd; \`--only sim\` runs it alone and writes its section of BENCHMARKS.md
                     and BENCHMARKS-sim.png
  --ansible-scale    also run ansible-console at every scale size, ping and command (200 hosts take a minute a line here:
                     about 15 more minutes); without it, Ansible's scale rows stop at 100 hosts, ping only
  --profile          also profile the controller and the host side (same as adding profile to --only)
  --write / --no-write   write BENCHMARKS.md (default: only for a full run)
The cold path against clush and Ansible on 10, 50 and 200 hosts: npm run bench:cold-path (options in bench/coldpath.ts).
Environment: FTL_BENCH_QUICK=1 and FTL_BENCH_ONLY=LIST do the same as --quick and --only.`;

const { values: opt } = parseArgs({
  options: {
    quick: { type: 'boolean', default: process.env.FTL_BENCH_QUICK === '1' },
    only: { type: 'string', default: process.env.FTL_BENCH_ONLY },
    'max-hosts': { type: 'string' },
    'sim-hosts': { type: 'string' },
    'ansible-scale': { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    write: { type: 'boolean' },
    'no-write': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (opt.help) {
  console.log(HELP);
  process.exit(0);
}

const quick = opt.quick;
const chosen = (opt.only ?? '').split(',').map((s) => s.trim()).filter(Boolean);
for (const s of chosen) {
  if (!(SECTIONS as readonly string[]).includes(s)) {
    console.error(`bench: unknown section '${s}'; sections are ${SECTIONS.join(', ')}`);
    process.exit(1);
  }
}
const sections = new Set<Section>(chosen.length > 0 ? (chosen as Section[]) : SECTIONS.filter((s) => s !== 'profile' && s !== 'sim'));
if (opt.profile) sections.add('profile');
const full = !quick && chosen.length === 0;
const write = opt['no-write'] === true ? false : (opt.write ?? full);
const maxHosts = Number(opt['max-hosts'] ?? (quick ? '50' : '200'));
if (!Number.isInteger(maxHosts) || maxHosts < 10 || maxHosts > 250) {
  console.error(`bench: --max-hosts must be a whole number from 10 to 250 (the lab's limit), not '${opt['max-hosts'] ?? ''}'`);
  process.exit(1);
}

const cfg = {
  warmHosts: quick ? [1, 10] : [1, 10, 50],
  /** The piped REPL adds formatting per line to the library's figures: 1 and 10 hosts show it. */
  replHosts: [1, 10],
  /** What ansible-console runs at a scale size the warm section has not covered. */
  consoleScale: (hosts: number): Work['key'][] => (opt['ansible-scale'] ? ['ping', 'command'] : hosts <= (quick ? 50 : 100) ? ['ping'] : []),
  scaleHosts: (quick ? [10, 50] : [10, 50, 100, 200, 250]).filter((h) => h <= maxHosts),
  pipeliningHosts: [10],
  ftlCalls: quick ? 20 : 50,
  ftlScaleCalls: quick ? 10 : 20,
  /** A slow ftl series (Ansible modules on many hosts, a second each) stops past this, with at least 5 calls. */
  ftlBudgetMs: quick ? 10_000 : 30_000,
  /** ansible-console lines per series: each takes seconds (a minute on 200 hosts here). */
  consoleCalls: (hosts: number): number => (quick ? 3 : hosts <= 1 ? 10 : 5),
  coldHosts: 10,
  coldRuns: quick ? 3 : 5,
};
if (!cfg.scaleHosts.includes(maxHosts) && maxHosts > 10) cfg.scaleHosts.push(maxHosts);

const simHosts = (opt['sim-hosts'] ?? (quick ? '100,1000' : '100,1000,5000,10000')).split(',').map(Number);
if (simHosts.some((n) => !Number.isInteger(n) || n < 1 || n > 64_000)) {
  console.error(`bench: --sim-hosts takes sizes from 1 to 64000, comma-separated, not '${opt['sim-hosts'] ?? ''}'`);
  process.exit(1);
}

const ALL: readonly Work['key'][] = ['ping', 'command', 'stat', 'lineinfile'];
const started = performance.now();
const log = (s: string): void => {
  console.log(s);
};
const elapsed = (): string => `${((performance.now() - started) / 1000).toFixed(0)} s`;

function fleetSize(): number {
  let n = 0;
  if (sections.has('warm')) n = Math.max(n, ...cfg.warmHosts);
  if (sections.has('scale')) n = Math.max(n, ...cfg.scaleHosts);
  if (sections.has('cold') || sections.has('wire') || sections.has('profile')) n = Math.max(n, cfg.coldHosts);
  return n;
}

function plans(fleet: Fleet, footprint: { value: string }): SessionPlan[] {
  const out: SessionPlan[] = [];
  const session = (tool: SessionPlan['tool'], hosts: number, works: readonly Work['key'][], n: number, whileOpen?: () => void): void => {
    const budgetMs = tool === 'ftl' || tool === 'ftl-repl' ? cfg.ftlBudgetMs : undefined;
    out.push({ tool, hosts, works, n, ...(budgetMs === undefined ? {} : { budgetMs }), ...(whileOpen === undefined ? {} : { whileOpen }) });
  };
  if (sections.has('warm')) {
    for (const h of cfg.warmHosts) {
      session('ftl', h, ALL, cfg.ftlCalls);
      if (cfg.replHosts.includes(h)) session('ftl-repl', h, ALL, cfg.ftlCalls);
      session('console', h, ALL, cfg.consoleCalls(h));
      if (cfg.pipeliningHosts.includes(h)) session('console-pipelining', h, ALL, cfg.consoleCalls(h));
    }
  } else if (sections.has('wire')) {
    session('ftl', 10, ALL, cfg.ftlScaleCalls);
    session('console', 10, ALL, 3);
    session('console-pipelining', 10, ALL, 3);
  }
  if (sections.has('scale')) {
    const biggest = Math.max(...cfg.scaleHosts);
    for (const h of cfg.scaleHosts) {
      // A size measured already (warm, or wire's 10 hosts) gives its figures to this table too.
      if (out.some((p) => p.hosts === h)) continue;
      const weigh =
        h === biggest
          ? (): void => {
              const lab = new ProcessGroup(fleet.listeners(h)).memory();
              footprint.value = `With ftl's ${String(h)} gates open, the lab side (${String(h)} sshd listeners, their sessions and the gates: ${String(lab.count)} processes) holds ${(lab.pssKb / 1024).toFixed(0)} MB (PSS); the machine had ${(freemem() / 1024 ** 3).toFixed(1)} GiB free.`;
            }
          : undefined;
      session('ftl', h, ['ping', 'command'], cfg.ftlScaleCalls, weigh);
      const works = cfg.consoleScale(h);
      if (works.length > 0) session('console', h, works, cfg.consoleCalls(h));
    }
  }
  return out;
}

function targets(set: SeriesSet, cold: readonly ColdCase[], scaleMax: number): TargetCheck[] {
  const out: TargetCheck[] = [];
  const ping10 = set.get('ftl', 10, 'ping');
  const con10 = set.get('console', 10, 'ping');
  if (ping10 !== undefined && con10 !== undefined) {
    const x = con10.median / ping10.median;
    out.push({ target: 'warm ping on 10 hosts: ≥100x faster than ansible-console per line', figure: `${fmtMs(ping10.median)} vs ${fmtMs(con10.median)}: ${x.toFixed(0)}x`, met: x >= 100, by: x >= 100 ? `${(x / 100).toFixed(1)}x the target` : `${(100 / x).toFixed(1)}x short` });
  }
  for (const key of ['stat', 'lineinfile'] as const) {
    const s = set.get('ftl', 10, key);
    if (s === undefined) continue;
    const note = key === 'stat' ? ' (native in ftl\'s gate)' : ' (Ansible\'s module, forked from the gate\'s zygote)';
    out.push({ target: `warm ${key} on 10 hosts: ≤50 ms median${note}`, figure: fmtMs(s.median), met: s.median <= 50, by: s.median <= 50 ? `${fmtMs(50 - s.median)} under` : `${fmtMs(s.median - 50)} over (${(s.median / 50).toFixed(1)}x the target)` });
  }
  const fresh = cold.find((c) => c.key === 'ftl-run-fresh');
  const deployed = cold.find((c) => c.key === 'ftl-run-deployed');
  const ans = cold.find((c) => c.key === 'ansible-cold');
  for (const c of [fresh, deployed]) {
    if (c === undefined) continue;
    out.push({ target: `cold first result on 10 hosts ≤1 s: ${c.label}`, figure: fmtMs(c.firstMedian), met: c.firstMedian <= 1000, by: c.firstMedian <= 1000 ? `${fmtMs(1000 - c.firstMedian)} under` : `${fmtMs(c.firstMedian - 1000)} over` });
    if (ans !== undefined) {
      const x = ans.firstMedian / c.firstMedian;
      out.push({ target: `cold first result ≥3x faster than ansible ad hoc: ${c.label}`, figure: `${fmtMs(c.firstMedian)} vs ${fmtMs(ans.firstMedian)}: ${x.toFixed(1)}x`, met: x >= 3, by: x >= 3 ? `${(x / 3).toFixed(1)}x the target` : `${(3 / x).toFixed(1)}x short` });
    }
  }
  const big = set.get('ftl', scaleMax, 'ping');
  if (big !== undefined) {
    const h = String(scaleMax);
    out.push({ target: `${h} hosts, warm ping ≤300 ms`, figure: fmtMs(big.median), met: big.median <= 300, by: big.median <= 300 ? `${fmtMs(300 - big.median)} under` : `${fmtMs(big.median - 300)} over` });
    out.push({ target: `${h} hosts, warm ping: controller RSS ≤250 MB`, figure: `${big.peakRssMb.toFixed(0)} MB`, met: big.peakRssMb <= 250, by: big.peakRssMb <= 250 ? `${(250 - big.peakRssMb).toFixed(0)} MB under` : `${(big.peakRssMb - 250).toFixed(0)} MB over` });
    out.push({ target: `${h} hosts, warm ping: zero failures`, figure: String(big.failures), met: big.failures === 0, by: '' });
  }
  return out;
}

const ANALYSIS_START = '<!-- analysis:start -->';
const ANALYSIS_END = '<!-- analysis:end -->';

/** The hand-written analysis in the current BENCHMARKS.md, kept across runs. */
function keptAnalysis(path: string): string {
  if (!existsSync(path)) return `${ANALYSIS_START}\n## Where the time goes\n\n(Written by hand after a run: read the profiles with --profile.)\n${ANALYSIS_END}`;
  const text = readFileSync(path, 'utf8');
  const a = text.indexOf(ANALYSIS_START);
  const b = text.indexOf(ANALYSIS_END);
  return a >= 0 && b > a ? text.slice(a, b + ANALYSIS_END.length) : `${ANALYSIS_START}\n${ANALYSIS_END}`;
}

const ANSIBLE_SETTINGS = [
  "Debian's ansible-core with its defaults unless said here: strategy linear, no fact gathering (ad hoc and console do not gather), `ansible_python_interpreter=/usr/bin/python3`.",
  'ssh connection plugin with `ssh_args = -C -o ControlMaster=auto -o ControlPersist=600s` (the default, with ControlPersist raised from 60 s so no master expires mid-run); a ControlPath directory per measurement.',
  'Host keys checked (`ANSIBLE_HOST_KEY_CHECKING=True`) against the lab\'s known_hosts, given in the inventory with `-o UserKnownHostsFile=… -o StrictHostKeyChecking=yes`, as `ftl lab` writes it.',
  'forks = the number of hosts (at least 5), so no host waits for a fork: `ANSIBLE_FORKS`, and ansible-console\'s `-f`.',
  'Pipelining off (the default) and on (`ANSIBLE_PIPELINING=True`, Ansible\'s best case: no temp files, one ssh run per module); both measured and shown in separate columns.',
  'ftl: its defaults (ssh2, one connection per host, known_hosts checked), with forks = the number of hosts as Ansible gets.',
];

const METHOD = [
  '`npm run bench` starts a lab of real OpenSSH servers on 127.A.B.x (`ftl lab`, one sshd per host, each host with its own home directory through sshd\'s SetEnv HOME, so each gets its own gate and ~/.ansible, as separate machines would). One controller runs at a time; ftl and Ansible reach the same hosts with the same inventory (group `bench`, the first N lab hosts).',
  'Warm calls: an ftl session first makes 3 calls of each kind (opening the gates, shipping module sources), an ansible-console session 1 (opening its ControlPersist masters); then each measures. The sessions of one fleet size stay open side by side and take turns, series by series, so that both tools meet the same load; only one works at any moment. ftl\'s library object runs in a worker process of its own (plain JavaScript on dist/, as a user\'s script); the REPL is `ftl -i INVENTORY` with its stdin piped, each line followed by a marker line whose echo ends it; ansible-console is driven through its stdin, a line being done when its prompt comes back.',
  'Cold: one process per run, from spawn to the first host result on its stdout; the eight cases take turns, round by round.',
  'All hosts and controllers share one machine of 2 cores, and other work ran on it at the same time (see the load average): the host side of every call (sshd, gates, Python) competes with the controller. Figures are medians; compare ratios rather than absolute values.',
];

async function main(): Promise<void> {
  const machine = machineInfo();
  log(`ftl benchmarks · ${machine.date} · ${machine.cpu} · ${machine.memory} · load ${machine.load}`);
  log(`  ${machine.node} · ftl ${machine.ftl} · ${machine.ansible} · ${machine.openssh}`);
  log(`  sections: ${[...sections].join(', ')}${quick ? ' (quick)' : ''}`);
  const work = mkdtempSync(join(tmpdir(), 'ftl-bench-'));
  const tables: Table[] = [];
  const micro: string[] = [];
  let profiles: string[] = [];
  let series: Series[] = [];
  let firstCalls: FirstCall[] = [];
  let cold: ColdCase[] = [];
  const footprint = { value: '' };
  let fleet: Fleet | undefined;
  try {
    const size = fleetSize();
    if (size > 0) {
      const t0 = performance.now();
      fleet = await Fleet.up(size, work);
      log(`lab: ${String(size)} sshd hosts up in ${fmtMs(performance.now() - t0)} (${fleet.prefix})`);
      const p = plans(fleet, footprint);
      if (p.length > 0) {
        log(`warm sessions (${String(p.length)}) · ${elapsed()}`);
        ({ series, firstCalls } = await runSessions(fleet, p, log));
      }
      if (sections.has('cold')) {
        log(`cold starts on ${String(cfg.coldHosts)} hosts · ${elapsed()}`);
        cold = await benchCold(fleet, cfg.coldHosts, cfg.coldRuns, log);
      }
      if (sections.has('profile')) {
        log(`profiles · ${elapsed()}`);
        profiles = await benchProfiles(fleet, cfg.coldHosts, join(ROOT, '.bench-profiles'), log);
      }
    }
    if (sections.has('sim')) {
      log(`simulated fleet: ${simHosts.join(', ')} hosts · ${elapsed()}`);
      const png = 'BENCHMARKS-sim.png';
      const path = join(ROOT, 'BENCHMARKS.md');
      const loadStart = loadNow();
      // Written after each size, so a run stopped part-way (10,000 hosts take long) keeps what it measured.
      const save = (points: readonly SimPoint[]): string => {
        const section = simTableMarkdown(points, simOpts, { start: loadStart, end: loadNow() }, png);
        if (opt['no-write'] !== true) {
          writeSimPng(join(ROOT, png), points);
          writeFileSync(path, withSimSection(existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmarks\n', section));
        }
        return section;
      };
      const simOpts = { sizes: simHosts, warmCalls: quick ? 5 : 10, latencyMs: 1, jitterMs: 1, log, onPoint: save };
      const points = await simCurve(simOpts);
      log(save(points));
      if (opt['no-write'] !== true) log(`wrote the sim section of ${path} and ${join(ROOT, png)}`);
    }
    if (sections.has('micro')) {
      log(`micro · ${elapsed()}`);
      const keep = (s: string): void => {
        micro.push(s);
        log(`  ${s}`);
      };
      await benchInventory(keep);
      await benchLocalGate(keep);
      await benchZygote(keep);
      await benchLineinfileFloor(keep);
      await benchBigOutput(keep);
      await benchRepl(keep);
    }
  } finally {
    await fleet?.down();
    rmSync(work, { recursive: true, force: true });
  }

  const set = new SeriesSet(series);
  if (series.length > 0 && sections.has('warm')) tables.push(warmTable(set, cfg.warmHosts));
  if (cold.length > 0) tables.push(coldTable(cold, cfg.coldHosts));
  if (sections.has('scale') && series.length > 0) {
    const t = scaleTable(set, cfg.scaleHosts, firstCalls);
    tables.push(footprint.value === '' ? t : { ...t, notes: [...(t.notes ?? []), footprint.value] });
  }
  if (series.length > 0 && (sections.has('wire') || sections.has('warm'))) tables.push(wireTable(set, 10));
  const scaleMax = Math.max(...set.hostsOf('ftl', 'ping'), 0);
  const checks = targets(set, cold, scaleMax);
  const all = checks.length > 0 ? [targetTable(checks), ...tables] : tables;
  const endLoad = machineInfo().load;
  log('');
  for (const t of all) log(`${renderText(t)}\n`);
  log(`done in ${elapsed()} · load average at the end ${endLoad}`);

  if (write) {
    const path = join(ROOT, 'BENCHMARKS.md');
    const md = [
      '# Benchmarks: ftl against Ansible on a lab fleet',
      '',
      `Generated by \`npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}\` on ${machine.date}, in ${elapsed()}. Every figure below comes from that one run; the analysis at the end is written by hand.`,
      '',
      '| machine | |',
      '|---|---|',
      ...Object.entries({ ...machine, load: `${machine.load} at the start, ${endLoad} at the end (1, 5, 15 min)` }).map(([k, v]) => `| ${k} | ${v.replace(/\|/g, '\\|')} |`),
      '',
      '## How Ansible and ftl ran',
      '',
      ...ANSIBLE_SETTINGS.map((s) => `- ${s}`),
      '',
      '## How it was measured',
      '',
      ...METHOD.map((s) => `- ${s}`),
      '',
      ...all.flatMap((t) => [renderMarkdown(t), '']),
      ...(micro.length > 0 ? ['### Other figures', '', ...micro.map((m) => `- ${m}`), ''] : []),
      ...(profiles.length > 0 ? ['### Profiles', '', '```', ...profiles, '```', ''] : []),
      // The simulated fleet's and the scale sections come from their own runs (--only sim, bench:scale): kept as they stand.
      ...(existsSync(path) && keptSimSection(readFileSync(path, 'utf8')) !== '' ? [keptSimSection(readFileSync(path, 'utf8')), ''] : []),
      ...(existsSync(path) && keptScaleSection(readFileSync(path, 'utf8')) !== '' ? [keptScaleSection(readFileSync(path, 'utf8')), ''] : []),
      keptAnalysis(path),
      '',
    ].join('\n');
    writeFileSync(path, md);
    log(`wrote ${path}`);
  }
}

/** bench:scale's section as it stands in BENCHMARKS.md text, markers included ('' when there is none). */
function keptScaleSection(text: string): string {
  const a = text.indexOf('<!-- scale:start -->');
  const b = text.indexOf('<!-- scale:end -->');
  return a >= 0 && b > a ? text.slice(a, b + '<!-- scale:end -->'.length) : '';
}

await main();
