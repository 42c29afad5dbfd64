import type { ColdCase } from './cold.js';
import { WORK, type Work } from './drivers.js';
import type { Series, Tool } from './measure.js';
import type { FirstCall } from './warm.js';

/** A table: printed as aligned text on the terminal, and as Markdown in BENCHMARKS.md. */
export interface Table {
  readonly title: string;
  readonly head: readonly string[];
  readonly rows: readonly (readonly string[])[];
  readonly notes?: readonly string[];
}

export function fmtMs(v: number | undefined): string {
  if (v === undefined || Number.isNaN(v)) return '–';
  if (v < 1) return `${(v * 1000).toFixed(0)} µs`;
  if (v < 10) return `${v.toFixed(2)} ms`;
  if (v < 1000) return `${v.toFixed(1)} ms`;
  return `${(v / 1000).toFixed(2)} s`;
}

function fmtBytes(v: number | undefined): string {
  if (v === undefined || Number.isNaN(v)) return '–';
  return v < 10_000 ? `${v.toFixed(0)} B` : `${(v / 1024).toFixed(1)} kB`;
}

/** ftl's figure over Ansible's, and how many times faster (or smaller) that is. */
export function ratio(ftl: number | undefined, ansible: number | undefined): string {
  if (ftl === undefined || ansible === undefined || Number.isNaN(ftl) || Number.isNaN(ansible) || ftl <= 0 || ansible <= 0) return '–';
  const r = ftl / ansible;
  const times = ansible / ftl;
  const digits = r < 0.001 ? 5 : r < 0.01 ? 4 : r < 0.1 ? 3 : 2;
  return times >= 1 ? `${r.toFixed(digits)} (${times >= 10 ? times.toFixed(0) : times.toFixed(1)}x)` : `${r.toFixed(2)} (${(1 / times).toFixed(1)}x slower)`;
}

export class SeriesSet {
  constructor(readonly all: readonly Series[]) {}
  get(tool: Tool, hosts: number, work: Work['key']): Series | undefined {
    return this.all.find((s) => s.tool === tool && s.hosts === hosts && s.work === work);
  }
  hostsOf(tool: Tool, work: Work['key']): number[] {
    return [...new Set(this.all.filter((s) => s.tool === tool && s.work === work).map((s) => s.hosts))].sort((a, b) => a - b);
  }
}

/** median / p95 (calls), and ✘ with the failed host results if any. */
const medP95 = (s: Series | undefined): string =>
  s === undefined ? '–' : `${fmtMs(s.median)} / ${fmtMs(s.p95)} (${String(s.samples.length)})${s.failures > 0 ? ` ✘${String(s.failures)}` : ''}`;

export function warmTable(set: SeriesSet, hosts: readonly number[]): Table {
  const rows: string[][] = [];
  for (const h of hosts) {
    for (const w of Object.values(WORK)) {
      const ftl = set.get('ftl', h, w.key);
      const repl = set.get('ftl-repl', h, w.key);
      const con = set.get('console', h, w.key);
      const pipe = set.get('console-pipelining', h, w.key);
      if (ftl === undefined && con === undefined) continue;
      rows.push([
        String(h),
        w.label,
        medP95(ftl),
        medP95(repl),
        medP95(con),
        medP95(pipe),
        ratio(ftl?.median, con?.median),
        ratio(ftl?.median, pipe?.median),
        [ftl, con].map((s) => (s === undefined ? '–' : s.load.toFixed(1))).join(' / '),
      ]);
    }
  }
  return {
    title: '1. Warm call latency within a session (per call on all hosts: median / p95)',
    head: ['hosts', 'call', 'ftl (library)', 'ftl REPL (piped)', 'ansible-console', 'console, pipelining', 'ftl/console', 'ftl/console pipelining', 'load (ftl / console)'],
    rows,
    notes: [
      'A call is one line: the module on every host of the fleet, until the last host answers. In brackets, the number of calls measured: ftl makes 50 (a slow series stops after 30 s, with at least 5), ansible-console 5 to 10 lines (each takes seconds).',
      'Load: the machine\'s 1-minute load average as each series ended (2 cores). It counts the benchmark\'s own processes (Ansible\'s forks and the hosts\' Pythons on 50 hosts make most of it there) and other work on the machine; where it is high, everything is slower.',
      'ftl runs ping, command and stat inside its gate (native modules); lineinfile is Ansible\'s own module, sent to the gate once and run there in a child forked from the gate\'s zygote (a Python with Ansible\'s module_utils imported already), one per call.',
    ],
  };
}

export function coldTable(cases: readonly ColdCase[], hosts: number): Table {
  const base = cases.find((c) => c.key === 'ansible-cold');
  const basePipe = cases.find((c) => c.key === 'ansible-cold-pipe');
  return {
    title: `2. Cold start: process start to the first result of ping on ${String(hosts)} hosts (median of ${String(cases[0]?.runs.length ?? 0)} runs)`,
    head: ['how', 'first result', 'all results, process exit', 'controller CPU', 'hosts CPU', 'load', 'failures', 'ftl/ansible (no master)', 'ftl/ansible pipelining (no master)'],
    rows: cases.map((c) => [
      c.label,
      fmtMs(c.firstMedian),
      fmtMs(c.exitMedian),
      fmtMs(c.controllerCpuMedian),
      fmtMs(c.hostCpuMedian),
      c.load.toFixed(1),
      String(c.failures),
      c.tool === 'ftl' ? ratio(c.firstMedian, base?.firstMedian) : '',
      c.tool === 'ftl' ? ratio(c.firstMedian, basePipe?.firstMedian) : '',
    ]),
    notes: [
      '"No gate on the hosts": each host\'s ~/.ftl is removed before the run (probe, upload, start). "Gate already deployed": a new process, new SSH connections, the gate file already there. The controller\'s own caches (gate build, module docs) are warm in both.',
      '"No ControlPersist master": masters stopped and ~/.ansible removed on the hosts before each run. "Masters up": the run right after, reusing the masters the previous run left.',
      'ftl run prints every host at the end, so its first result is also its last; ansible ad hoc prints each host as it finishes.',
      'CPU, summed over every process: the controller (ftl: node and what it runs, such as ssh -G; Ansible: ansible, its forks, their ssh clients and the ControlPersist masters) and the hosts (the lab sshd listeners\' trees: sshd sessions, shells, Python). Here both sides share the same 2 cores, so host work slows the controller down too.',
    ],
  };
}

export function scaleTable(set: SeriesSet, hosts: readonly number[], firstCalls: readonly FirstCall[]): Table {
  const rows: string[][] = [];
  const first = (tool: Tool, h: number): string => fmtMs(firstCalls.find((f) => f.tool === tool && f.hosts === h)?.ms);
  for (const h of hosts) {
    if (set.get('ftl', h, 'ping') === undefined) continue;
    rows.push([String(h), 'first call of the session (ping: connect, start)', first('ftl', h), '', '', '', '', first('console', h), '', '', '', '', ratio(firstCalls.find((f) => f.tool === 'ftl' && f.hosts === h)?.ms, firstCalls.find((f) => f.tool === 'console' && f.hosts === h)?.ms), '', '']);
  }
  for (const work of ['ping', 'command'] as const) {
    for (const h of hosts) {
      const f = set.get('ftl', h, work);
      const c = set.get('console', h, work);
      if (f === undefined && c === undefined) continue;
      rows.push([
        String(h),
        WORK[work].label,
        f === undefined ? '–' : `${fmtMs(f.median)} / ${fmtMs(f.p95)}`,
        f === undefined ? '–' : fmtMs(f.cpuMsPerCall),
        f === undefined ? '–' : fmtMs(f.hostCpuMsPerCall),
        f === undefined ? '–' : `${f.peakRssMb.toFixed(0)} MB`,
        f === undefined ? '–' : String(f.failures),
        c === undefined ? '–' : `${fmtMs(c.median)} / ${fmtMs(c.p95)}`,
        c === undefined ? '–' : fmtMs(c.cpuMsPerCall),
        c === undefined ? '–' : fmtMs(c.hostCpuMsPerCall),
        c === undefined ? '–' : `${c.peakPssMb.toFixed(0)} MB (${String(c.peakProcs)} procs)`,
        c === undefined ? '–' : String(c.failures),
        ratio(f?.median, c?.median),
        ratio(f?.cpuMsPerCall, c?.cpuMsPerCall),
        [f, c].map((s) => (s === undefined ? '–' : s.load.toFixed(1))).join(' / '),
      ]);
    }
  }
  return {
    title: '3. Scale: warm calls on growing fleets',
    head: ['hosts', 'call', 'ftl wall (median / p95)', 'ftl CPU/call', 'hosts CPU/call (ftl)', 'ftl peak RSS', 'ftl failures', 'console wall (median / p95)', 'console CPU/call', 'hosts CPU/call (console)', 'console peak memory', 'console failures', 'ftl/console wall', 'ftl/console CPU', 'load (ftl / console)'],
    rows,
    notes: [
      'The first call of a session connects to every host: ftl opens an SSH connection and starts a gate per host (the gate already deployed), ansible-console opens a ControlPersist master per host. It is one sample, not a median.',
      'Controller CPU: user + system time of every controller process (ftl: its one node process and children; Ansible: ansible-console, its forks, their ssh clients, and the ControlPersist masters), per call.',
      'Hosts CPU: what the calls cost on the hosts\' side (the lab sshd listeners\' trees: sshd sessions, shells, gates, Python), per call over all hosts.',
      'Memory: peak over the series, sampled every 0.5 s. ftl: RSS of its process tree. Ansible: the sum of PSS over its processes (forks share pages; RSS would count them once per fork).',
    ],
  };
}

export function wireTable(set: SeriesSet, hosts: number): Table {
  const rows: string[][] = [];
  for (const w of Object.values(WORK)) {
    const f = set.get('ftl', hosts, w.key);
    const c = set.get('console', hosts, w.key);
    const p = set.get('console-pipelining', hosts, w.key);
    if (f === undefined && c === undefined) continue;
    const total = (s: Series | undefined): number | undefined => (s === undefined ? undefined : s.bytesOutPerHostCall + s.bytesInPerHostCall);
    const cell = (s: Series | undefined): string => (s === undefined ? '–' : `${fmtBytes(s.bytesOutPerHostCall)} / ${fmtBytes(s.bytesInPerHostCall)}${s.connectionsClosed > 0 ? ` (${String(s.connectionsClosed)} conns closed)` : ''}`);
    rows.push([w.label, cell(f), cell(c), cell(p), ratio(total(f), total(c)), ratio(total(f), total(p))]);
  }
  return {
    title: `4. Bytes on the wire per warm call, per host (${String(hosts)} hosts; controller → host / host → controller)`,
    head: ['call', 'ftl', 'ansible-console', 'console, pipelining', 'ftl/console', 'ftl/console pipelining'],
    rows,
    notes: [
      'Counted at the TCP level: the kernel\'s bytes_sent and bytes_received (ss -ti) of every connection from the controller to the lab hosts, before and after the series; SSH framing, encryption and MACs included (Ansible\'s ssh compresses with -C, ftl\'s ssh2 does not).',
    ],
  };
}

export function renderText(t: Table): string {
  const all = [t.head, ...t.rows];
  const widths = t.head.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]): string => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [t.title, line(t.head), widths.map((w) => '-'.repeat(w)).join('  '), ...t.rows.map(line)].join('\n');
}

export function renderMarkdown(t: Table): string {
  const esc = (c: string): string => c.replace(/\|/g, '\\|');
  const out = [`### ${t.title}`, '', `| ${t.head.map(esc).join(' | ')} |`, `|${t.head.map(() => '---').join('|')}|`, ...t.rows.map((r) => `| ${r.map(esc).join(' | ')} |`)];
  if (t.notes !== undefined && t.notes.length > 0) out.push('', ...t.notes.map((n) => `- ${n}`));
  return out.join('\n');
}

/** One target of issue 7, checked against the figures. */
export interface TargetCheck {
  readonly target: string;
  readonly figure: string;
  readonly met: boolean | undefined;
  readonly by: string;
}

export function targetTable(checks: readonly TargetCheck[]): Table {
  return {
    title: 'Targets (figures, never assertions)',
    head: ['target', 'measured', 'met', 'by how much'],
    rows: checks.map((c) => [c.target, c.figure, c.met === undefined ? 'not measured' : c.met ? 'yes' : 'NO', c.by]),
  };
}
