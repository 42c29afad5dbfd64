import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);
/** USER_HZ: /proc times are in clock ticks, 100 a second on Linux. */
const TICK_MS = 10;

interface ProcTimes {
  /** utime + stime of the process itself, ms. */
  readonly selfMs: number;
  /** cutime + cstime: children it has waited for (Ansible's forks and their ssh), ms. */
  readonly reapedMs: number;
}

function readStat(pid: number): ProcTimes | undefined {
  try {
    const text = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start past the last ')'.
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const n = (i: number): number => Number.parseInt(f[i] ?? '0', 10);
    return { selfMs: (n(11) + n(12)) * TICK_MS, reapedMs: (n(13) + n(14)) * TICK_MS };
  } catch {
    return undefined;
  }
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${String(pid)}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

/** Children of every thread of a process (/proc/PID/task/TID/children). */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${String(pid)}/task`);
  } catch {
    return out;
  }
  for (const t of tasks) {
    try {
      for (const c of readFileSync(`/proc/${String(pid)}/task/${t}/children`, 'utf8').trim().split(/\s+/)) if (c !== '') out.push(Number.parseInt(c, 10));
    } catch {
      // the task ended
    }
  }
  return out;
}

function memKb(pid: number): { rss: number; pss: number } {
  try {
    const text = readFileSync(`/proc/${String(pid)}/smaps_rollup`, 'utf8');
    const field = (name: string): number => Number.parseInt(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? '0', 10);
    return { rss: field('Rss'), pss: field('Pss') };
  } catch {
    return { rss: 0, pss: 0 };
  }
}

/** CPU time of the children this process has reaped so far, ms (a finished command and everything it reaped). */
export function reapedCpuMs(): number {
  return readStat(process.pid)?.reapedMs ?? 0;
}

/**
 * Processes measured from outside: root processes and their descendants, and processes
 * that left the tree but still work for it (OpenSSH ControlPersist masters daemonise),
 * found by a word on their command line.
 */
export class ProcessGroup {
  private detached: number[] = [];
  private readonly roots: readonly number[];

  /** roots: one pid or several (the lab's sshd listeners); none with only a marker. */
  constructor(
    roots: number | readonly number[],
    private readonly detachedMarker?: string,
  ) {
    this.roots = typeof roots === 'number' ? [roots] : roots;
  }

  /** Looks for the detached helpers again (a scan of every process's command line: not for every sample). */
  private refreshDetached(): void {
    const marker = this.detachedMarker;
    if (marker === undefined) return;
    this.detached = readdirSync('/proc')
      .filter((n) => /^\d+$/.test(n))
      .map((n) => Number.parseInt(n, 10))
      .filter((pid) => !this.roots.includes(pid) && pid !== process.pid && cmdline(pid).includes(marker));
  }

  private members(): number[] {
    const seen = new Set<number>();
    const queue = [...this.roots, ...this.detached];
    while (queue.length > 0) {
      const pid = queue.shift();
      if (pid === undefined || seen.has(pid)) continue;
      seen.add(pid);
      queue.push(...childrenOf(pid));
    }
    return [...seen];
  }

  /**
   * CPU time used so far, ms: every member's own time, plus what members have reaped
   * (the kernel folds a reaped child's time, and what it had reaped, into its parent).
   */
  cpuMs(): number {
    this.refreshDetached();
    let sum = 0;
    for (const pid of this.members()) {
      const st = readStat(pid);
      if (st !== undefined) sum += st.selfMs + st.reapedMs;
    }
    return sum;
  }

  /** Memory right now, kB: the sum of RSS (counts pages shared by forks again) and of PSS (shares them out). */
  memory(): { rssKb: number; pssKb: number; count: number } {
    const m = this.members();
    let rssKb = 0;
    let pssKb = 0;
    for (const pid of m) {
      const k = memKb(pid);
      rssKb += k.rss;
      pssKb += k.pss;
    }
    return { rssKb, pssKb, count: m.length };
  }
}

/** Samples a group's memory every intervalMs and keeps the peak. */
export class MemorySampler {
  private timer: NodeJS.Timeout | undefined;
  peakPssKb = 0;
  peakRssKb = 0;
  peakProcs = 0;

  constructor(
    private readonly group: ProcessGroup,
    private readonly intervalMs = 500,
  ) {}

  start(): void {
    this.peakPssKb = 0;
    this.peakRssKb = 0;
    this.peakProcs = 0;
    this.sample();
    this.timer = setInterval(() => {
      this.sample();
    }, this.intervalMs);
    this.timer.unref();
  }

  private sample(): void {
    const m = this.group.memory();
    this.peakPssKb = Math.max(this.peakPssKb, m.pssKb);
    this.peakRssKb = Math.max(this.peakRssKb, m.rssKb);
    this.peakProcs = Math.max(this.peakProcs, m.count);
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.sample();
  }
}

/** TCP payload bytes per connection, from the kernel's tcp_info (ss -ti), keyed by local and peer address. */
export type WireSnapshot = Map<string, { sent: number; received: number }>;

/** Every established TCP connection to the lab's addresses (one /24 of 127/8), from the controller's side. */
export async function wireSnapshot(prefix: string): Promise<WireSnapshot> {
  const { stdout } = await execFileP('ss', ['-tinH', 'state', 'established', 'dst', prefix]);
  const out: WireSnapshot = new Map();
  const lines = stdout.split('\n');
  for (let i = 0; i < lines.length; i++) {
    // Recv-Q Send-Q Local Peer; the tcp_info line follows, indented.
    const m = /^\s*\d+\s+\d+\s+(\S+)\s+(\S+)/.exec(lines[i] ?? '');
    if (m === null) continue;
    const info = lines[i + 1] ?? '';
    const num = (name: string): number => Number.parseInt(new RegExp(`${name}:(\\d+)`).exec(info)?.[1] ?? '0', 10);
    out.set(`${m[1] ?? ''}>${m[2] ?? ''}`, { sent: num('bytes_sent'), received: num('bytes_received') });
  }
  return out;
}

/** Bytes moved between two snapshots; connections opened in between count from zero, ones closed are lost (none should be, warm). */
export function wireDelta(before: WireSnapshot, after: WireSnapshot): { sent: number; received: number; connections: number; closed: number } {
  let sent = 0;
  let received = 0;
  for (const [key, a] of after) {
    const b = before.get(key) ?? { sent: 0, received: 0 };
    sent += a.sent - b.sent;
    received += a.received - b.received;
  }
  const closed = [...before.keys()].filter((k) => !after.has(k)).length;
  return { sent, received, connections: after.size, closed };
}
