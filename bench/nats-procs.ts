/**
 * The processes of a NATS set-up on this machine, for benches and tests: a nats-server on a
 * free port, and `ftl worker`s (the built bin/ftl.js, as a user runs them) each holding a
 * shard of an inventory. Every start has a deadline and says why it failed; every stop
 * waits for the process to be gone (SIGTERM, then SIGKILL after a grace).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { connect as tcpConnect, createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/** The built command line (npm run build first). */
export const FTL_BIN = fileURLToPath(new URL('../bin/ftl.js', import.meta.url));

export function hasNatsServer(): boolean {
  try {
    execFileSync('nats-server', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A TCP port free on 127.0.0.1 now (another process may take it before it is used: rare). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => {
        resolve(typeof a === 'object' && a !== null ? a.port : 0);
      });
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, ms: number): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`nats-server exited (${String(child.exitCode ?? child.signalCode)}) before it listened on ${String(port)}`);
    const ok = await new Promise<boolean>((resolve) => {
      const c = tcpConnect(port, '127.0.0.1', () => {
        c.end();
        resolve(true);
      });
      c.once('error', () => {
        resolve(false);
      });
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`nats-server did not listen on ${String(port)} within ${String(ms)} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Ends a child and waits until it has exited: SIGTERM, then SIGKILL after graceMs. */
export async function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      resolve();
    });
  });
  child.kill('SIGTERM');
  const late = setTimeout(() => {
    child.kill('SIGKILL');
  }, graceMs);
  await exited;
  clearTimeout(late);
}

export interface NatsServer {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export async function startNatsServer(readyMs = 10_000): Promise<NatsServer> {
  const port = await freePort();
  const child = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  try {
    await waitForPort(port, child, readyMs);
  } catch (e) {
    await stopChild(child, 1000);
    throw e;
  }
  return { url: `nats://127.0.0.1:${String(port)}`, child, stop: () => stopChild(child) };
}

export interface FtlWorkerOptions {
  url: string;
  inventory: string;
  /** Workers started, shards 1/count .. count/count, named w1..wcount. */
  count: number;
  /** The workers' -f (calls carry the caller's forks; this is for their own defaults). */
  forks?: number;
  /** Seconds between heartbeats (default: ftl's, 1). */
  heartbeatS?: number;
  env?: NodeJS.ProcessEnv;
  /** How long each may take to say ready (default 60 s). */
  readyMs?: number;
}

export interface FtlWorker {
  name: string;
  pid: number;
  child: ChildProcess;
  /** What it wrote on stderr so far (the last 4,000 characters). */
  stderr(): string;
}

function startWorker(o: FtlWorkerOptions, k: number): Promise<FtlWorker> {
  const name = `w${String(k)}`;
  const args = [FTL_BIN, 'worker', '--nats', o.url, '-i', o.inventory, '--shard', `${String(k)}/${String(o.count)}`, '--name', name, '--no-audit'];
  if (o.forks !== undefined) args.push('-f', String(o.forks));
  if (o.heartbeatS !== undefined) args.push('--heartbeat', String(o.heartbeatS));
  // A raised soft file limit where the hard one allows (a worker holds a socket per host); exec keeps the pid.
  const line = [process.execPath, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const child = spawn('/bin/sh', ['-c', `ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec ${line}`], {
    env: { ...process.env, NO_COLOR: '1', ...o.env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (b: Buffer) => {
    err = (err + b.toString('utf8')).slice(-4000);
  });
  const worker: FtlWorker = { name, pid: child.pid ?? 0, child, stderr: () => err };
  return new Promise((resolve, reject) => {
    const fail = (why: string): void => {
      clearTimeout(timer);
      child.off('exit', onExit);
      child.stderr.off('data', onData);
      void stopChild(child, 1000).then(() => {
        reject(new Error(`ftl worker ${name}: ${why}: ${err.trim() || 'no output'}`));
      });
    };
    const timer = setTimeout(() => {
      fail(`not ready within ${String(o.readyMs ?? 60_000)} ms`);
    }, o.readyMs ?? 60_000);
    const onData = (): void => {
      if (/ready\n/.test(err)) {
        clearTimeout(timer);
        child.off('exit', onExit);
        child.stderr.off('data', onData);
        resolve(worker);
      }
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      fail(`exited (${String(code ?? signal)}) before it was ready`);
    };
    child.stderr.on('data', onData);
    child.once('exit', onExit);
  });
}

/** Starts the workers at once; if one fails, the others are stopped and the first failure thrown. */
export async function startFtlWorkers(o: FtlWorkerOptions): Promise<FtlWorker[]> {
  const started = await Promise.allSettled(Array.from({ length: o.count }, (_, i) => startWorker(o, i + 1)));
  const workers = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) {
    await stopFtlWorkers(workers);
    throw failed.reason;
  }
  return workers;
}

export async function stopFtlWorkers(workers: readonly FtlWorker[]): Promise<void> {
  await Promise.all(workers.map((w) => stopChild(w.child)));
}
