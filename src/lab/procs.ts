import { readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';

/** The parent pid and state of a process, from /proc; undefined when it is gone. */
function procStat(pid: number): { ppid: number; state: string } | undefined {
  try {
    const text = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: the fields after it start at the last ')'.
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: rest[0] ?? '?', ppid: Number.parseInt(rest[1] ?? '0', 10) };
  } catch {
    return undefined;
  }
}

/** Alive and not a zombie (a zombie whose parent has not reaped it still answers kill(pid, 0)). */
export function isAlive(pid: number): boolean {
  const st = procStat(pid);
  return st !== undefined && st.state !== 'Z' && st.state !== 'X';
}

/** The command line of a process, NUL-separated words joined by spaces ('' when gone). */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${String(pid)}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

/**
 * A process and every descendant, collected before any is killed: sshd's per-connection
 * children start their own sessions, and once their parent dies they are reparented and
 * could no longer be found from it.
 */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number.parseInt(name, 10);
    const st = procStat(pid);
    if (st === undefined) continue;
    const list = children.get(st.ppid) ?? [];
    list.push(pid);
    children.set(st.ppid, list);
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift() ?? root;
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

export function signalTree(root: number, signal: NodeJS.Signals): void {
  for (const pid of processTree(root)) {
    try {
      process.kill(pid, signal);
    } catch {
      // gone already
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Waits until every given process is gone; false when some outlived the wait. */
export async function waitGone(pids: readonly number[], timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (pids.every((p) => !isAlive(p))) return true;
    if (Date.now() > until) return false;
    await sleep(50);
  }
}

/** Whether something accepts a TCP connection at address:port right now. */
export function tcpAccepts(address: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host: address, port, timeout: timeoutMs });
    const done = (ok: boolean): void => {
      sock.destroy();
      resolve(ok);
    };
    sock.once('connect', () => {
      done(true);
    });
    sock.once('timeout', () => {
      done(false);
    });
    sock.once('error', () => {
      done(false);
    });
  });
}
