import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { complete } from '../src/repl/completer.js';
import { CoreCompletionSource } from '../src/repl/completion-source.js';
import { DOT_COMMANDS, type DotContext } from '../src/repl/dot-commands.js';
import { automation } from '../src/run/automation.js';
import { ms, summarise } from './stats.js';
import { coreOf } from '../src/run/ftl-object.js';

const FTL_BIN = join(import.meta.dirname, '..', 'bin', 'ftl.js');
const RUNS = 10;

/**
 * From `ftl` starting to its prompt on the screen, in a real pseudo-terminal (util-linux
 * `script`), then Ctrl-D. Everything a person waits for: node, loading ftl, the inventory
 * and the module index (warm: the first run is not counted).
 */
function toPrompt(args: readonly string[], home: string, prompt: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const cmd = [process.execPath, FTL_BIN, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
    const t0 = performance.now();
    const child = spawn('script', ['-qfec', cmd, '/dev/null'], { env: { ...process.env, HOME: home, NO_COLOR: '1' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let at: number | undefined;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no prompt within 60 s; the screen said: ${out.slice(-300)}`));
    }, 60_000);
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString('utf8');
      if (at === undefined && out.includes(prompt)) {
        at = performance.now() - t0;
        child.stdin.write('\x04');
      }
    });
    child.once('close', () => {
      clearTimeout(timer);
      if (at === undefined) reject(new Error(`ftl ended before its prompt: ${out.slice(-300)}`));
      else resolve(at);
    });
  });
}

async function measure(label: string, args: readonly string[], home: string, prompt: string, log: (line: string) => void): Promise<void> {
  await toPrompt(args, home, prompt);
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) times.push(await toPrompt(args, home, prompt));
  const s = summarise(times);
  log(`repl start-up to the prompt, ${label}: median ${ms(s.median)}, best ${ms(Math.min(...times))}, worst ${ms(Math.max(...times))} (${String(RUNS)} runs in a pty, warm module index; target under 400 ms)`);
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
  try {
    execFileSync('script', ['-V'], { stdio: 'ignore' });
  } catch {
    log('repl start-up: skipped: needs `script` from util-linux for a pseudo-terminal');
    return;
  }
  const home = mkdtempSync(join(tmpdir(), 'ftl-bench-repl-'));
  try {
    await measure('localhost', [], home, 'ftl localhost(1)> ', log);
    const hosts: Record<string, unknown> = {};
    for (let i = 0; i < 1000; i++) hosts[`web${String(i).padStart(4, '0')}`] = { ansible_host: `10.0.${String(i >> 8)}.${String(i & 255)}` };
    const inventory = join(home, 'inventory.yml');
    writeFileSync(inventory, JSON.stringify({ all: { children: { web: { hosts } } } }));
    await measure('1,000-host inventory', ['-i', inventory], home, 'ftl all(1000)> ', log);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
