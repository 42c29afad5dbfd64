import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { complete } from '../src/repl/completer.js';
import { CoreCompletionSource } from '../src/repl/completion-source.js';
import { DOT_COMMANDS, type DotContext } from '../src/repl/dot-commands.js';
import { automation } from '../src/run/automation.js';
import { childrenOf, ProcessGroup } from './proc.js';
import { ms, summarise } from './stats.js';
import { coreOf } from '../src/run/ftl-object.js';

const FTL_BIN = join(import.meta.dirname, '..', 'bin', 'ftl.js');

/**
 * CPU time (user + system, ms) of a process's descendants so far, reaped children included:
 * what ftl spent to get to its prompt, which a loaded machine stretches far less than the
 * wall time. From /proc.
 */
function cpuOfDescendants(root: number): number {
  return new ProcessGroup(childrenOf(root)).cpuMs();
}

/**
 * From `ftl` starting to its prompt on the screen, in a real pseudo-terminal (util-linux
 * `script`), then Ctrl-D. Everything a person waits for: node, loading ftl, the inventory
 * and the module index (warm: the first run is not counted). Also the CPU time ftl's
 * processes spent to get there.
 */
function toPrompt(bin: string, args: readonly string[], home: string, prompt: string): Promise<{ wall: number; cpu: number | undefined }> {
  return new Promise((resolve, reject) => {
    const cmd = [process.execPath, bin, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
    const t0 = performance.now();
    const child = spawn('script', ['-qfec', cmd, '/dev/null'], { env: { ...process.env, HOME: home, NO_COLOR: '1' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let at: number | undefined;
    let cpu: number | undefined;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no prompt within 60 s; the screen said: ${out.slice(-300)}`));
    }, 60_000);
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString('utf8');
      if (at === undefined && out.includes(prompt)) {
        at = performance.now() - t0;
        cpu = child.pid === undefined ? undefined : cpuOfDescendants(child.pid);
        child.stdin.write('\x04');
      }
    });
    child.once('close', () => {
      clearTimeout(timer);
      if (at === undefined) reject(new Error(`ftl ended before its prompt: ${out.slice(-300)}`));
      else resolve({ wall: at, cpu });
    });
  });
}

export interface StartupOptions {
  /** bin/ftl.js of the build to measure (default this checkout's). */
  bin?: string;
  /**
   * Another build's bin/ftl.js (the commit before) measured in the same rounds, taking turns
   * with `bin`: on a loaded machine only such paired figures compare.
   */
  against?: string;
  runs?: number;
}

interface Case {
  label: string;
  args: readonly string[];
  prompt: string;
  /** Run before each start: 'cold' removes the inventory parse cache. */
  before?: () => void;
  note: string;
}

async function measure(c: Case, home: string, opts: StartupOptions, log: (line: string) => void): Promise<void> {
  const bins = [opts.bin ?? FTL_BIN, ...(opts.against === undefined ? [] : [opts.against])];
  const runs = opts.runs ?? 10;
  for (const bin of bins) {
    c.before?.();
    await toPrompt(bin, c.args, home, c.prompt);
  }
  const times = bins.map((): number[] => []);
  const cpus = bins.map((): number[] => []);
  const load: number[] = [];
  for (let i = 0; i < runs; i++) {
    load.push(loadavg()[0] ?? 0);
    // Taking turns, first one then the other, so neither always follows the other.
    const order = i % 2 === 0 ? bins.map((_, k) => k) : bins.map((_, k) => bins.length - 1 - k);
    for (const k of order) {
      c.before?.();
      const r = await toPrompt(bins[k] ?? '', c.args, home, c.prompt);
      times[k]?.push(r.wall);
      if (r.cpu !== undefined) cpus[k]?.push(r.cpu);
    }
  }
  const l = summarise(load);
  const loadText = `load average ${l.median.toFixed(1)}, ${Math.min(...load).toFixed(1)} to ${Math.max(...load).toFixed(1)}`;
  times.forEach((t, k) => {
    const s = summarise(t);
    const which = bins.length === 1 ? '' : k === 0 ? ' [this build]' : ` [${opts.against ?? ''}]`;
    const cpu = cpus[k] ?? [];
    const cpuText = cpu.length === 0 ? '' : `; CPU to the prompt median ${ms(summarise(cpu).median)}`;
    log(`repl start-up to the prompt, ${c.label}${which}: median ${ms(s.median)}, best ${ms(Math.min(...t))}, worst ${ms(Math.max(...t))}${cpuText} (${String(runs)} runs in a pty, ${c.note}; ${loadText})`);
  });
  const [mine, other] = times;
  if (mine !== undefined && other !== undefined) {
    const ratios = mine.map((t, i) => (other[i] ?? Number.NaN) / t);
    const [myCpu, otherCpu] = cpus;
    const cpuRatio = myCpu !== undefined && otherCpu !== undefined && myCpu.length === runs && otherCpu.length === runs ? `, ${summarise(myCpu.map((t, i) => (otherCpu[i] ?? Number.NaN) / t)).median.toFixed(2)}x its CPU` : '';
    log(`  paired: the other build takes ${summarise(ratios).median.toFixed(2)}x this build's time${cpuRatio} (median of ${String(runs)} rounds)`);
  }
}

/**
 * A 1,000-host YAML inventory as people write them: 20 groups of 50 hosts with their own
 * variables, group_vars for all and each group, host_vars for 100 hosts.
 */
export function writeFleetInventory(dir: string): string {
  let y = 'all:\n  vars:\n    ansible_user: deploy\n  children:\n';
  for (let g = 0; g < 20; g++) {
    y += `    group${String(g)}:\n      vars:\n        tier: ${String(g % 3)}\n      hosts:\n`;
    for (let h = 0; h < 50; h++) {
      const i = g * 50 + h;
      y += `        web${String(i).padStart(4, '0')}:\n          ansible_host: 10.0.${String(i >> 8)}.${String(i & 255)}\n          idx: ${String(i)}\n`;
    }
  }
  mkdirSync(join(dir, 'group_vars'), { recursive: true });
  mkdirSync(join(dir, 'host_vars'), { recursive: true });
  const inventory = join(dir, 'inventory.yml');
  writeFileSync(inventory, y);
  writeFileSync(join(dir, 'group_vars', 'all.yml'), 'ntp: pool.ntp.org\nusers:\n  - alice\n  - bob\n');
  for (let g = 0; g < 20; g++) writeFileSync(join(dir, 'group_vars', `group${String(g)}.yml`), `zone: z${String(g)}\nport: ${String(8000 + g)}\n`);
  for (let i = 0; i < 100; i++) writeFileSync(join(dir, 'host_vars', `web${String(i).padStart(4, '0')}.yml`), `rack: r${String(i % 7)}\n`);
  return inventory;
}

/** From `ftl` to its prompt: localhost, and the 1,000-host inventory with a warm and a cold parse cache. */
export async function benchReplStartup(log: (line: string) => void, opts: StartupOptions = {}): Promise<void> {
  try {
    execFileSync('script', ['-V'], { stdio: 'ignore' });
  } catch {
    log('repl start-up: skipped: needs `script` from util-linux for a pseudo-terminal');
    return;
  }
  const home = mkdtempSync(join(tmpdir(), 'ftl-bench-repl-'));
  try {
    const inventory = writeFleetInventory(join(home, 'fleet'));
    const cases: Case[] = [
      { label: 'localhost', args: [], prompt: 'ftl localhost(1)> ', note: 'warm module index; target under 400 ms' },
      { label: '1,000-host YAML inventory with group_vars/host_vars', args: ['-i', inventory], prompt: 'ftl all(1000)> ', note: 'warm module index and inventory parse cache; target under 300 ms' },
      {
        label: '1,000-host YAML inventory, first start (no parse cache)',
        args: ['-i', inventory],
        prompt: 'ftl all(1000)> ',
        before: () => {
          rmSync(join(home, '.ftl', 'cache', 'inventory'), { recursive: true, force: true });
        },
        note: 'warm module index, the parse cache removed before each',
      },
    ];
    for (const c of cases) await measure(c, home, opts, log);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

/** Tab completion on the real module index (thousands of names): the first Tab builds the name tree, later ones reuse it. */
async function benchCompletion(log: (line: string) => void): Promise<void> {
  const ftl = await automation({});
  try {
    const core = coreOf(ftl);
    // Only what completion reads of the dot-commands' context.
    const names = core.modules.names();
    const dot = { moduleNames: () => names, targetNames: () => ['localhost'] } as unknown as DotContext;
    const src = new CoreCompletionSource(core, dot);
    await src.loadDocFor('file');
    // What the REPL does once its prompt shows; then the first Tab is timed.
    const w0 = performance.now();
    src.warm();
    const warm = performance.now() - w0;
    const lines = ['ftl.', 'ftl.local.', 'ftl.local.co', 'ftl.local.community.general.', "ftl.local.file({ path: '/tmp/x', ", "ftl.local.file({ state: '", '.doc ', '.doc community.general.ini'];
    const t0 = performance.now();
    for (const l of lines) complete(l, src);
    const cold = performance.now() - t0;
    const times: number[] = [];
    for (let i = 0; i < 50; i++) {
      for (const l of lines) {
        const t = performance.now();
        complete(l, src);
        times.push(performance.now() - t);
      }
    }
    const s = summarise(times);
    const n = core.modules.names().length;
    log(`repl tab completion, ${String(n)} modules, ${String(DOT_COMMANDS.length)} dot-commands: building the name tree ${ms(warm)} (in the background once the prompt shows); first Tab ${ms(cold)}; then median ${ms(s.median)}, p99 ${ms(s.p99)}, worst ${ms(Math.max(...times))} over ${String(times.length)} completions at 8 positions (target under 50 ms)`);
  } finally {
    await ftl.close();
  }
}

export async function benchRepl(log: (line: string) => void): Promise<void> {
  await benchCompletion(log);
  await benchReplStartup(log);
}
