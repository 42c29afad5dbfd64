/**
 * `npm run faults`: the fault matrix. ftl on a lab of real sshd hosts while things go
 * wrong the way they do on a fleet: gates killed, SSH sessions killed, a host frozen,
 * a huge output, a storm of Ctrl-C, a long soak. Each row says what was done, what ftl
 * did, and whether that is what a user must see (no hang, no lost call, the rest of the
 * fleet untouched, a clean next call). Figures, never timed assertions; the table goes to
 * stdout (and as Markdown with --markdown) for BENCHMARKS.md.
 *   node --import tsx bench/faults.ts [--hosts 10] [--soak 1000] [--markdown]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { automation } from '../src/run/automation.js';
import type { Ftl } from '../src/run/ftl-types.js';
import type { RunResult } from '../src/run/result.js';
import { labUp, type Lab } from '../src/lab/lab.js';
import { commandLine, processTree, sleep } from '../src/lab/procs.js';

const { values: opt } = parseArgs({
  options: {
    hosts: { type: 'string', default: '10' },
    soak: { type: 'string', default: '1000' },
    markdown: { type: 'boolean', default: false },
  },
});
const HOSTS = Number(opt.hosts);
const SOAK = Number(opt.soak);

interface Row {
  readonly fault: string;
  readonly what: string;
  readonly seen: string;
  readonly ok: boolean;
  readonly ms: number;
}

const rows: Row[] = [];
const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

function counts(r: RunResult): string {
  const parts = (['ok', 'changed', 'failed', 'unreachable', 'cancelled'] as const).filter((s) => r[s].length > 0).map((s) => `${String(r[s].length)} ${s}`);
  return parts.join(', ');
}

function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

/** The processes of one lab host (its sshd listener's tree) whose command line has the text. */
function hostProcs(lab: Lab, host: string, text: string): number[] {
  const pid = lab.status().find((s) => s.name === host)?.pid;
  if (pid === undefined) return [];
  return processTree(pid).filter((p) => commandLine(p).includes(text));
}

/** The per-connection sshd processes of one host: the listener's direct children. */
function sessionProcs(lab: Lab, host: string): number[] {
  const pid = lab.status().find((s) => s.name === host)?.pid;
  if (pid === undefined) return [];
  const out = execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' }).trim();
  return out === '' ? [] : out.split('\n').map((l) => Number(l.trim()));
}

function kill(pids: readonly number[], signal: NodeJS.Signals): void {
  for (const p of pids) {
    try {
      process.kill(p, signal);
    } catch {
      // gone already
    }
  }
}

async function row(fault: string, what: string, fn: () => Promise<{ seen: string; ok: boolean }>): Promise<void> {
  log(`… ${fault}`);
  const t0 = Date.now();
  let r: { seen: string; ok: boolean };
  try {
    r = await fn();
  } catch (e) {
    r = { seen: `threw: ${e instanceof Error ? e.message : String(e)}`, ok: false };
  }
  const ms = Date.now() - t0;
  rows.push({ fault, what, ms, ...r });
  log(`${r.ok ? '✔' : '✘'} ${fault}: ${r.seen} (${String(ms)} ms)`);
}

async function matrix(lab: Lab, ftl: Ftl): Promise<void> {
  const names = lab.hosts.map((h) => h.name);
  const three = names.slice(0, 3);
  const warm = await ftl.run('lab', 'ping');
  if (warm.ok.length !== names.length) throw new Error(`the lab is not all up: ${counts(warm)}`);

  await row('gate kill', `kill -9 the gate on ${String(three.length)} of ${String(names.length)} hosts during a 5 s command; then ping all`, async () => {
    const call = ftl.run('lab', 'command', { cmd: 'sleep 5' }, { timeout: 60 });
    await sleep(1500);
    for (const h of three) kill(hostProcs(lab, h, '.ftl/gate-'), 'SIGKILL');
    const r = await call;
    const after = await ftl.run('lab', 'ping', {}, { timeout: 60 });
    const ok = r.unreachable.length === three.length && r.changed.length === names.length - three.length && after.ok.length === names.length;
    return { seen: `call: ${counts(r)}; next ping: ${counts(after)}`, ok };
  });

  await row('session kill', `kill the SSH sessions (sshd children) of ${String(three.length)} hosts during a 5 s command; then ping all`, async () => {
    const call = ftl.run('lab', 'command', { cmd: 'sleep 5' }, { timeout: 60 });
    await sleep(1500);
    for (const h of three) kill(sessionProcs(lab, h), 'SIGKILL');
    const r = await call;
    const after = await ftl.run('lab', 'ping', {}, { timeout: 60 });
    const ok = r.unreachable.length === three.length && after.ok.length === names.length;
    return { seen: `call: ${counts(r)}; next ping: ${counts(after)}`, ok };
  });

  await row('frozen host', 'SIGSTOP every process of one host (sshd, session, gate); ping all with -T 5; SIGCONT; ping all', async () => {
    const frozen = names[1] ?? '';
    const pid = lab.status().find((s) => s.name === frozen)?.pid ?? 0;
    const tree = processTree(pid);
    kill(tree, 'SIGSTOP');
    let r: RunResult;
    const t0 = Date.now();
    try {
      r = await ftl.run('lab', 'ping', {}, { timeout: 5 });
    } finally {
      kill(tree, 'SIGCONT');
    }
    const took = Date.now() - t0;
    const after = await ftl.run('lab', 'ping', {}, { timeout: 60 });
    const ok = r.ok.length === names.length - 1 && !r.ok.includes(frozen) && took < 15_000 && after.ok.length === names.length;
    return { seen: `with -T 5: ${counts(r)} in ${String(took)} ms; after SIGCONT: ${counts(after)}`, ok };
  });

  await row('huge output', '100 MB of stdout on one host while a ping runs on the same host', async () => {
    const host = names[0] ?? '';
    const rss0 = process.memoryUsage().rss;
    const [big, ping] = await Promise.all([
      ftl.run(host, 'shell', { cmd: "head -c 100000000 /dev/zero | tr '\\0' a" }, { timeout: 120 }),
      sleep(500).then(() => ftl.run(host, 'ping', {}, { timeout: 60 })),
    ]);
    const rss1 = process.memoryUsage().rss;
    const res = big.host(host) ?? {};
    const kept = typeof res.stdout === 'string' ? res.stdout.length : 0;
    const ok = ping.ok.length === 1 && big.unreachable.length === 0 && (res.truncated === true || big.failed.length === 1);
    return {
      seen: `big: ${counts(big)}${res.truncated === true ? `, cut to ${(kept / 2 ** 20).toFixed(0)} MiB (truncated)` : ''}; ping: ${counts(ping)}; controller RSS ${(rss0 / 2 ** 20).toFixed(0)} → ${(rss1 / 2 ** 20).toFixed(0)} MiB`,
      ok,
    };
  });

  await row('Ctrl-C storm', '50 times: a 10 s command on every host, cancelled after 0-300 ms; then ping all; sleeps left on hosts', async () => {
    const fd0 = openFds();
    let cancelled = 0;
    let other = 0;
    for (let i = 0; i < 50; i++) {
      const ac = new AbortController();
      const call = ftl.run('lab', 'command', { cmd: 'sleep 10' }, { signal: ac.signal, timeout: 60 });
      await sleep(Math.floor(Math.random() * 300));
      ac.abort();
      const r = await call;
      cancelled += r.cancelled.length;
      other += r.hosts.length - r.cancelled.length;
    }
    await sleep(2000);
    const left = names.reduce((n, h) => n + hostProcs(lab, h, 'sleep 10').length, 0);
    const after = await ftl.run('lab', 'ping', {}, { timeout: 60 });
    const fd1 = openFds();
    const ok = left === 0 && after.ok.length === names.length && cancelled + other === 50 * names.length;
    return { seen: `${String(cancelled)} cancelled, ${String(other)} finished first; sleeps left on hosts: ${String(left)}; next ping: ${counts(after)}; fds ${String(fd0)} → ${String(fd1)}`, ok };
  });

  await row('soak', `${String(SOAK)} calls on every host (ping and command in turn)`, async () => {
    global.gc?.();
    const fd0 = openFds();
    const heap0 = process.memoryUsage().heapUsed;
    let bad = 0;
    for (let i = 0; i < SOAK; i++) {
      const r = i % 2 === 0 ? await ftl.run('lab', 'ping') : await ftl.run('lab', 'command', { cmd: 'true' });
      bad += r.hosts.length - r.ok.length - r.changed.length;
    }
    global.gc?.();
    const fd1 = openFds();
    const heap1 = process.memoryUsage().heapUsed;
    return {
      seen: `${String(SOAK * names.length)} host calls, ${String(bad)} not ok; fds ${String(fd0)} → ${String(fd1)}; heap ${(heap0 / 2 ** 20).toFixed(1)} → ${(heap1 / 2 ** 20).toFixed(1)} MiB`,
      ok: bad === 0 && fd1 <= fd0 + 5,
    };
  });
}

function render(markdown: boolean): string {
  if (markdown) {
    const lines = ['| fault | what was done | what ftl did | as it must | time |', '|---|---|---|---|---|'];
    for (const r of rows) lines.push(`| ${r.fault} | ${r.what} | ${r.seen} | ${r.ok ? 'yes' : '**no**'} | ${(r.ms / 1000).toFixed(1)} s |`);
    return lines.join('\n');
  }
  return rows.map((r) => `${r.ok ? '✔' : '✘'} ${r.fault.padEnd(13)} ${(r.ms / 1000).toFixed(1).padStart(6)} s  ${r.seen}`).join('\n');
}

const work = mkdtempSync(join(tmpdir(), 'ftl-faults-'));
let lab: Lab | undefined;
let ftl: Ftl | undefined;
try {
  lab = await labUp({ count: HOSTS, dir: join(work, 'lab'), ownHomes: true });
  ftl = await automation({ inventory: lab.inventoryPath, timeout: 60 });
  await matrix(lab, ftl);
} finally {
  await ftl?.close();
  await lab?.down();
  rmSync(work, { recursive: true, force: true });
}
console.log(render(opt.markdown));
process.exitCode = rows.every((r) => r.ok) ? 0 : 1;
