import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { GROUP } from './fleet.js';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const FTL_BIN = join(ROOT, 'bin', 'ftl.js');

/** One kind of warm call, written the way each tool takes it. */
export interface Work {
  readonly key: 'ping' | 'command' | 'stat' | 'lineinfile';
  readonly label: string;
  readonly module: string;
  readonly args: Record<string, unknown> | string;
  /** A REPL line. */
  readonly js: string;
  /** An ansible-console line. */
  readonly console: string;
}

/** In the host's home (each lab host has its own): idempotent after the first call. */
const LINE_FILE = '~/ftl-bench-lineinfile.txt';

export const WORK: Record<Work['key'], Work> = {
  ping: { key: 'ping', label: 'ping', module: 'ping', args: {}, js: `ftl.${GROUP}.ping()`, console: 'ping' },
  command: { key: 'command', label: 'command true', module: 'command', args: 'true', js: `ftl.${GROUP}.command('true')`, console: 'command true' },
  stat: { key: 'stat', label: 'stat /etc/hostname', module: 'stat', args: { path: '/etc/hostname' }, js: `ftl.${GROUP}.stat({ path: '/etc/hostname' })`, console: 'stat path=/etc/hostname' },
  lineinfile: {
    key: 'lineinfile',
    label: 'lineinfile (idempotent)',
    module: 'lineinfile',
    args: { path: LINE_FILE, line: 'ftl bench', create: true },
    js: `ftl.${GROUP}.lineinfile({ path: '${LINE_FILE}', line: 'ftl bench', create: true })`,
    console: `lineinfile path=${LINE_FILE} line='ftl bench' create=true`,
  },
};

export interface SeriesRun {
  samples: number[];
  /** Host results that were failed or unreachable (or missing), over all calls. */
  failures: number;
  firstError: string;
}

/** A controller in a session of its own, taking the same warm calls one after another. */
export interface Driver {
  readonly pid: number;
  /** Processes that work for it but left its tree (ansible's ControlPersist masters): a word on their command line. */
  readonly detachedMarker?: string;
  /** Up to n calls, one after another; past budgetMs it stops once it has MIN_SAMPLES. */
  series(work: Work, n: number, budgetMs?: number): Promise<SeriesRun>;
  close(): Promise<void>;
}

/** Never fewer samples than this in a series, whatever the time budget. */
export const MIN_SAMPLES = 5;

function overBudget(i: number, start: number, budgetMs: number | undefined): boolean {
  return budgetMs !== undefined && i >= MIN_SAMPLES && performance.now() - start > budgetMs;
}

/**
 * A series of lines typed into an interactive tool (the ftl REPL, ansible-console): each
 * timed until its output is back, with the hosts that did not come back ok or changed
 * counted as failures, and the first such output kept.
 */
async function lineSeries(n: number, budgetMs: number | undefined, hosts: number, send: () => Promise<string>, good: (out: string) => number): Promise<SeriesRun> {
  const samples: number[] = [];
  let failures = 0;
  let firstError = '';
  const start = performance.now();
  for (let i = 0; i < n && !overBudget(i, start, budgetMs); i++) {
    const t0 = performance.now();
    const out = await send();
    samples.push(performance.now() - t0);
    const ok = good(out);
    if (ok !== hosts) {
      failures += hosts - ok;
      if (firstError === '') firstError = out.slice(0, 300);
    }
  }
  return { samples, failures, firstError };
}

/** A child process whose stdout is searched as it comes. */
class Child {
  private buf = '';
  private waiter: { test: (s: string) => number; resolve: (s: string) => void; reject: (e: Error) => void; timer: NodeJS.Timeout } | undefined;
  private exited = false;
  private stderrTail = '';
  readonly proc: ChildProcessWithoutNullStreams;

  constructor(cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd: string) {
    this.proc = spawn(cmd, args, { env, cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc.stdout.setEncoding('utf8');
    this.proc.stdout.on('data', (d: string) => {
      this.buf += d;
      this.check();
    });
    this.proc.stderr.on('data', (d: Buffer) => {
      this.stderrTail = (this.stderrTail + d.toString('utf8')).slice(-2000);
    });
    this.proc.on('exit', () => {
      this.exited = true;
      const w = this.waiter;
      this.waiter = undefined;
      if (w !== undefined) {
        clearTimeout(w.timer);
        w.reject(new Error(`${cmd} exited; output ended with: ${this.buf.slice(-400)} ${this.stderrTail.slice(-400)}`));
      }
    });
  }

  get pid(): number {
    return this.proc.pid ?? -1;
  }

  private check(): void {
    const w = this.waiter;
    if (w === undefined) return;
    const end = w.test(this.buf);
    if (end < 0) return;
    const text = this.buf.slice(0, end);
    this.buf = this.buf.slice(end);
    this.waiter = undefined;
    clearTimeout(w.timer);
    w.resolve(text);
  }

  /** Resolves with the output up to where `test` says a match ends (returns -1 while none). */
  waitFor(test: (s: string) => number, timeoutMs = 600_000): Promise<string> {
    if (this.exited) return Promise.reject(new Error(`process exited; output ended with: ${this.buf.slice(-400)} ${this.stderrTail.slice(-400)}`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new Error(`no answer within ${String(timeoutMs / 1000)} s; output ended with: ${this.buf.slice(-400)} ${this.stderrTail.slice(-400)}`));
      }, timeoutMs);
      this.waiter = { test, resolve, reject, timer };
      this.check();
    });
  }

  write(text: string): void {
    this.proc.stdin.write(text);
  }

  async end(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((r) => {
      this.proc.once('exit', () => {
        r();
      });
    });
    this.proc.stdin.end();
    const t = setTimeout(() => this.proc.kill('SIGKILL'), 30_000);
    await gone;
    clearTimeout(t);
  }
}

/** ftl's library object (automation({ inventory }), what the REPL uses) in a worker process. */
export class FtlLibDriver implements Driver {
  private constructor(
    private readonly child: Child,
    private readonly hosts: number,
  ) {}

  static async open(inventory: string, hosts: number, opts: { forks?: number } = {}): Promise<FtlLibDriver> {
    const child = new Child(process.execPath, [join(ROOT, 'bench', 'ftl-worker.mjs')], process.env, ROOT);
    const d = new FtlLibDriver(child, hosts);
    await d.request({ op: 'open', inventory, ...(opts.forks === undefined ? {} : { forks: opts.forks }) });
    return d;
  }

  get pid(): number {
    return this.child.pid;
  }

  private async request(req: Record<string, unknown>): Promise<Record<string, unknown>> {
    this.child.write(`${JSON.stringify(req)}\n`);
    const line = await this.child.waitFor((s) => {
      const i = s.indexOf('\n');
      return i < 0 ? -1 : i + 1;
    });
    const r = JSON.parse(line) as Record<string, unknown>;
    if (r.ok !== true) throw new Error(`ftl worker: ${String(r.error)}`);
    return r;
  }

  /** With `profile`, the worker writes a V8 CPU profile of these calls there. */
  async series(work: Work, n: number, budgetMs?: number, profile?: string): Promise<SeriesRun> {
    const r = await this.request({
      op: 'calls',
      pattern: GROUP,
      module: work.module,
      args: work.args,
      n,
      minSamples: MIN_SAMPLES,
      ...(budgetMs === undefined ? {} : { budgetMs }),
      ...(profile === undefined ? {} : { profile }),
    });
    const samples = r.samples as number[];
    const statuses = r.statuses as Record<string, number>;
    const total = Object.values(statuses).reduce((a, b) => a + b, 0);
    return { samples, failures: (r.failures as number) + (samples.length * this.hosts - total), firstError: typeof r.firstError === 'string' ? r.firstError : '' };
  }

  async close(): Promise<void> {
    await this.request({ op: 'close' }).catch(() => undefined);
    await this.child.end();
  }
}

/** Counts hosts per status in ftl's plain-text results (`✔ ok lab[01-10] (10) 3 ms`). */
export function plainStatusCounts(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^\S+ (ok|changed|failed|unreachable|skipped|cancelled) \S+ \((\d+)\)/gm)) {
    const status = m[1] ?? '';
    out[status] = (out[status] ?? 0) + Number.parseInt(m[2] ?? '0', 10);
  }
  return out;
}

/** The REPL with piped input (`ftl -i inv < lines`); each call line is followed by a marker line whose echo ends it. */
export class FtlReplDriver implements Driver {
  private mark = 0;
  private constructor(
    private readonly child: Child,
    private readonly hosts: number,
  ) {}

  static async open(inventory: string, hosts: number): Promise<FtlReplDriver> {
    const child = new Child(process.execPath, [FTL_BIN, '-i', inventory], { ...process.env, NO_COLOR: '1' }, ROOT);
    const d = new FtlReplDriver(child, hosts);
    await d.line("'ready'");
    return d;
  }

  get pid(): number {
    return this.child.pid;
  }

  /** Sends one line and waits for it to finish; returns its output. */
  async line(code: string): Promise<string> {
    const marker = `@@mark-${String(++this.mark)}@@`;
    this.child.write(`${code}\n'${marker}'\n`);
    const out = await this.child.waitFor((s) => {
      const i = s.indexOf(`'${marker}'\n`);
      return i < 0 ? -1 : i + marker.length + 3;
    });
    return out.slice(0, out.lastIndexOf(`'${marker}'`));
  }

  series(work: Work, n: number, budgetMs?: number): Promise<SeriesRun> {
    return lineSeries(n, budgetMs, this.hosts, () => this.line(work.js), (out) => {
      const c = plainStatusCounts(out);
      return (c.ok ?? 0) + (c.changed ?? 0);
    });
  }

  async close(): Promise<void> {
    await this.child.end();
  }
}

/** ansible-console's prompt (`root@bench (10)[f:10]$ `) ends each line's output. */
const CONSOLE_PROMPT = /\[f:\d+\][$#] $/;

/** ansible-console, driven through its stdin one line at a time; a line is done when the prompt comes back. */
export class ConsoleDriver implements Driver {
  private constructor(
    private readonly child: Child,
    private readonly hosts: number,
    readonly detachedMarker: string,
  ) {}

  static async open(inventory: string, hosts: number, env: NodeJS.ProcessEnv, controlDir: string, cwd: string): Promise<ConsoleDriver> {
    const child = new Child('ansible-console', ['-i', inventory, GROUP], env, cwd);
    const d = new ConsoleDriver(child, hosts, controlDir);
    await d.prompt();
    return d;
  }

  get pid(): number {
    return this.child.pid;
  }

  private prompt(): Promise<string> {
    return this.child.waitFor((s) => (CONSOLE_PROMPT.test(s) ? s.length : -1));
  }

  async line(text: string): Promise<string> {
    this.child.write(`${text}\n`);
    return this.prompt();
  }

  series(work: Work, n: number, budgetMs?: number): Promise<SeriesRun> {
    return lineSeries(n, budgetMs, this.hosts, () => this.line(work.console), (out) => [...out.matchAll(/^\S+ \| (SUCCESS|CHANGED)/gm)].length);
  }

  async close(): Promise<void> {
    this.child.write('exit\n');
    await this.child.end();
  }
}
