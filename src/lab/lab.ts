import { execFile, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import { resolve as resolvePath } from 'node:path';
import { promisify } from 'node:util';
import { FtlError } from '../base/errors.js';
import { hostPaths, knownHostsLine, labHostName, labInventory, labPaths, sshdConfig, type LabHostSpec, type LabSpec } from './files.js';
import { commandLine, isAlive, processTree, signalTree, sleep, tcpAccepts, waitGone } from './procs.js';

const execFileP = promisify(execFile);

export interface LabUpOptions {
  count: number;
  dir: string;
  /** The port every host listens on (default 2222); with the 127.0.0.1 fallback, the first of a range. */
  basePort?: number;
  /** The login user written into the inventory (default: the current user, the only one a non-root sshd can log in). */
  user?: string;
  /** Let sshd take passwords of system users too (it can check them only when it runs as root). */
  passwordAuth?: boolean;
  /** A home directory per host (sshd sets HOME), so each host deploys and keeps its own files. */
  ownHomes?: boolean;
  /** For tests: where sshd and ssh-keygen are. */
  sshd?: string;
  sshKeygen?: string;
}

export interface LabHostStatus {
  readonly name: string;
  readonly address: string;
  readonly port: number;
  readonly pid: number | undefined;
  readonly running: boolean;
}

const MAX_HOSTS = 250;
const START_TIMEOUT_MS = 15_000;

function labError(message: string, cause?: unknown): FtlError {
  return new FtlError('FTL_LAB', message, cause === undefined ? {} : { cause });
}

function canBind(address: string, port: number): Promise<'ok' | 'in-use' | 'no-address'> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', (e: NodeJS.ErrnoException) => {
      resolve(e.code === 'EADDRINUSE' ? 'in-use' : 'no-address');
    });
    srv.listen({ host: address, port, exclusive: true }, () => {
      srv.close(() => {
        resolve('ok');
      });
    });
  });
}

/**
 * Addresses for the hosts: 127.A.B.1..N on one port (A.B random, so labs running side
 * by side, such as parallel tests, do not meet), or 127.0.0.1 with a port each where the
 * system will not bind other loopback addresses.
 */
async function chooseAddresses(count: number, basePort: number): Promise<{ address: string; port: number }[]> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const a = 20 + Math.floor(Math.random() * 230);
    const b = 1 + Math.floor(Math.random() * 254);
    const first = await canBind(`127.${String(a)}.${String(b)}.1`, basePort);
    if (first === 'no-address') break;
    if (first === 'in-use') continue;
    return Array.from({ length: count }, (_, i) => ({ address: `127.${String(a)}.${String(b)}.${String(i + 1)}`, port: basePort }));
  }
  const base = basePort + 1 + Math.floor(Math.random() * 20_000);
  return Array.from({ length: count }, (_, i) => ({ address: '127.0.0.1', port: base + i }));
}

async function keygen(bin: string, path: string, comment: string): Promise<string> {
  rmSync(path, { force: true });
  rmSync(`${path}.pub`, { force: true });
  try {
    await execFileP(bin, ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path]);
  } catch (e) {
    throw labError(`cannot generate a key with ${bin}: ${(e as Error).message.split('\n')[0] ?? ''}; install the package openssh-client`, e);
  }
  return readFileSync(`${path}.pub`, 'utf8');
}

function readSpec(dir: string): LabSpec {
  const path = labPaths(dir).spec;
  if (!existsSync(path)) throw labError(`no lab in ${dir} (no lab.json); start one with ftl lab up N --dir ${dir}`);
  return JSON.parse(readFileSync(path, 'utf8')) as LabSpec;
}

function readPid(host: LabHostSpec): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(hostPaths(host).pid, 'utf8').trim(), 10);
    return Number.isFinite(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** The pid of this host's sshd, when that process is alive and still ours (pids get reused). */
function livePid(host: LabHostSpec): number | undefined {
  const pid = readPid(host);
  if (pid === undefined || !isAlive(pid)) return undefined;
  return commandLine(pid).includes(hostPaths(host).config) ? pid : undefined;
}

function logTail(host: LabHostSpec): string {
  try {
    return readFileSync(hostPaths(host).log, 'utf8').trim().split('\n').slice(-3).join(' | ');
  } catch {
    return '';
  }
}

/** A running lab: its hosts can be stopped and started one by one (tests of unreachable hosts). */
export class Lab {
  readonly inventoryPath: string;
  readonly knownHostsPath: string;
  readonly keyPath: string;

  constructor(
    readonly spec: LabSpec,
    private readonly sshd = '/usr/sbin/sshd',
  ) {
    const p = labPaths(spec.dir);
    this.inventoryPath = p.inventory;
    this.knownHostsPath = p.knownHosts;
    this.keyPath = p.key;
  }

  get dir(): string {
    return this.spec.dir;
  }

  get user(): string {
    return this.spec.user;
  }

  get hosts(): readonly LabHostSpec[] {
    return this.spec.hosts;
  }

  host(name: string): LabHostSpec {
    const h = this.spec.hosts.find((x) => x.name === name);
    if (h === undefined) throw labError(`no host ${name} in the lab at ${this.dir}; it has ${this.spec.hosts.map((x) => x.name).join(', ')}`);
    return h;
  }

  async startHost(name: string): Promise<void> {
    const host = this.host(name);
    if (livePid(host) !== undefined) return;
    const p = hostPaths(host);
    // -D: stay in the foreground, so the pid we spawn is the listener; detached so `ftl lab up` can exit.
    const child = spawn(this.sshd, ['-D', '-f', p.config, '-E', p.log], { detached: true, stdio: 'ignore' });
    const spawned = await new Promise<number>((resolve, reject) => {
      child.once('error', (e: NodeJS.ErrnoException) => {
        reject(
          e.code === 'ENOENT'
            ? labError(`${this.sshd} not found: install the package openssh-server (apt-get install openssh-server)`, e)
            : labError(`cannot start ${this.sshd} for ${name}: ${e.message}`, e),
        );
      });
      child.once('spawn', () => {
        resolve(child.pid ?? -1);
      });
    });
    child.unref();
    writeFileSync(p.pid, `${String(spawned)}\n`);
    const until = Date.now() + START_TIMEOUT_MS;
    while (!(await tcpAccepts(host.address, host.port, 500))) {
      if (!isAlive(spawned)) throw labError(`sshd for ${name} (${host.address}:${String(host.port)}) exited at start: ${logTail(host)}`);
      if (Date.now() > until) {
        signalTree(spawned, 'SIGKILL');
        throw labError(`sshd for ${name} did not accept connections on ${host.address}:${String(host.port)} within ${String(START_TIMEOUT_MS / 1000)} s: ${logTail(host)}`);
      }
      await sleep(50);
    }
  }

  /** Kills the host's sshd and every session it serves, as if the host went down. */
  async stopHost(name: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const host = this.host(name);
    const pid = livePid(host);
    if (pid === undefined) return;
    const tree = processTree(pid);
    signalTree(pid, signal);
    if (!(await waitGone(tree, 5000))) {
      for (const p of tree) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          // gone
        }
      }
      await waitGone(tree, 5000);
    }
  }

  isRunning(name: string): boolean {
    return livePid(this.host(name)) !== undefined;
  }

  status(): LabHostStatus[] {
    return this.spec.hosts.map((h) => {
      const pid = livePid(h);
      return { name: h.name, address: h.address, port: h.port, pid, running: pid !== undefined };
    });
  }

  async down(): Promise<void> {
    await Promise.all(this.spec.hosts.map((h) => this.stopHost(h.name, 'SIGTERM')));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Starts N real OpenSSH servers on loopback addresses, with keys, known_hosts and an inventory. */
export async function labUp(opts: LabUpOptions): Promise<Lab> {
  const sshd = opts.sshd ?? '/usr/sbin/sshd';
  const keygenBin = opts.sshKeygen ?? 'ssh-keygen';
  if (!Number.isInteger(opts.count) || opts.count < 1 || opts.count > MAX_HOSTS) {
    throw labError(`a lab has 1 to ${String(MAX_HOSTS)} hosts, not ${String(opts.count)}`);
  }
  if (!existsSync(sshd)) throw labError(`${sshd} not found: install the package openssh-server (apt-get install openssh-server)`);
  const dir = resolvePath(opts.dir);
  if (existsSync(labPaths(dir).spec)) throw labError(`a lab exists in ${dir} already; stop it with ftl lab down --dir ${dir}, or choose another --dir`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const asRoot = process.getuid?.() === 0;
  // Privilege separation wants this directory when sshd runs as root.
  if (asRoot) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const user = opts.user ?? userInfo().username;
  const addrs = await chooseAddresses(opts.count, opts.basePort ?? 2222);
  const hosts: LabHostSpec[] = addrs.map((a, i) => ({ name: labHostName(i + 1, opts.count), address: a.address, port: a.port, dir: `${dir}/${labHostName(i + 1, opts.count)}` }));
  const spec: LabSpec = { dir, user, hosts, ...(opts.ownHomes === true ? { ownHomes: true } : {}) };
  const paths = labPaths(dir);
  const userKey = await keygen(keygenBin, paths.key, 'ftl-lab-user');
  writeFileSync(paths.authorizedKeys, userKey, { mode: 0o600 });
  const known = await Promise.all(
    hosts.map(async (h) => {
      mkdirSync(h.dir, { recursive: true, mode: 0o700 });
      if (opts.ownHomes === true) mkdirSync(hostPaths(h).home, { mode: 0o700 });
      const pub = await keygen(keygenBin, hostPaths(h).hostKey, `ftl-lab-${h.name}`);
      writeFileSync(hostPaths(h).config, sshdConfig(h, dir, asRoot, { passwordAuth: opts.passwordAuth === true, ownHome: opts.ownHomes === true }));
      return knownHostsLine(h.address, h.port, pub);
    }),
  );
  writeFileSync(paths.knownHosts, `${known.join('\n')}\n`, { mode: 0o600 });
  writeFileSync(paths.inventory, labInventory(spec));
  writeFileSync(paths.spec, `${JSON.stringify(spec, null, 2)}\n`);
  chmodSync(paths.key, 0o600);
  const lab = new Lab(spec, sshd);
  try {
    // A few at a time: 2 cores, and sshd's start-up is mostly key loading.
    for (let i = 0; i < hosts.length; i += 8) await Promise.all(hosts.slice(i, i + 8).map((h) => lab.startHost(h.name)));
  } catch (e) {
    await lab.down();
    throw e;
  }
  return lab;
}

/** The lab recorded in a directory (running or not). */
export function labOpen(dir: string): Lab {
  return new Lab(readSpec(resolvePath(dir)));
}

export async function labDown(dir: string): Promise<void> {
  await labOpen(dir).down();
}

export function labStatus(dir: string): LabHostStatus[] {
  return labOpen(dir).status();
}
