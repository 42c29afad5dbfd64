import { execFile, spawn } from 'node:child_process';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import { resolve as resolvePath } from 'node:path';
import { promisify } from 'node:util';
import { FtlError } from '../base/errors.js';
import { hostPaths, knownHostsLine, labHostNames, labInventory, labPaths, sshdConfig, type LabGroup, type LabHostSpec, type LabSpec } from './files.js';
import { account, findProgram, isolatedCommand, sshdPrefix, namespaceMembers, prepareHostDirs, probeIsolation, unlockWorkDir } from './isolation.js';
import { commandLine, isAlive, processTree, signalTree, sleep, tcpAccepts, waitGone } from './procs.js';

const execFileP = promisify(execFile);

export interface LabUpOptions {
  /** How many hosts (lab01..); may be left out when groups are given. */
  count?: number;
  /** Hosts by group: [{ name: 'web', count: 3 }] makes web01..web03 in group web. */
  groups?: readonly LabGroup[];
  /**
   * Hosts that really differ: each in namespaces of its own (hostname, /tmp, home, /etc).
   * Where the machine refuses namespaces the lab is shared as before, and Lab.warning says why.
   */
  isolated?: boolean;
  /**
   * The hosts die with this process (setpriv --pdeathsig), for tests: a run that crashes or
   * times out leaves no sshd behind. Not for `ftl lab up`, whose hosts outlive it.
   */
  tied?: boolean;
  /** Stops the start-up (Ctrl-C): the hosts started so far are stopped and the lab removed. */
  signal?: AbortSignal;
  dir: string;
  /** The port every host listens on (default 2222); with the 127.0.0.1 fallback, the first of a range. */
  basePort?: number;
  /** The login user written into the inventory (default: the current user, the only one a non-root sshd can log in). */
  user?: string;
  /** Let sshd take passwords of system users too (it can check them only when it runs as root). */
  passwordAuth?: boolean;
  /** A home directory per host (sshd sets HOME), so each host deploys and keeps its own files. */
  ownHomes?: boolean;
  /** sshd's MaxStartups (start:rate:full, or one number), for tests and benches of connection bursts; default: sshd's own. */
  maxStartups?: string;
  /** For tests: where sshd and ssh-keygen are. */
  sshd?: string;
  sshKeygen?: string;
  unshare?: string;
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
const START_BATCH = 16;

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

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function logTail(host: LabHostSpec): string {
  const tail = (path: string): string => readText(path).trim().split('\n').slice(-3).join(' | ');
  return [tail(hostPaths(host).startLog), tail(hostPaths(host).log)].filter((t) => t !== '').join(' | ');
}

function interrupted(): FtlError {
  return labError('ftl lab up was interrupted: the hosts started so far were stopped and the lab removed; run it again');
}

/** A running lab: its hosts can be stopped and started one by one (tests of unreachable hosts). */
export class Lab {
  readonly inventoryPath: string;
  readonly knownHostsPath: string;
  readonly keyPath: string;
  /** Set when isolation was asked for and the machine refused it: why the hosts share its files. */
  warning: string | undefined;

  constructor(
    readonly spec: LabSpec,
    private readonly sshd = '/usr/sbin/sshd',
    private readonly unshare = findProgram('unshare') ?? 'unshare',
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

  async startHost(name: string, signal?: AbortSignal): Promise<void> {
    const host = this.host(name);
    if (livePid(host) !== undefined) return;
    const p = hostPaths(host);
    // -D: stay in the foreground, so the pid we spawn is the listener; detached so `ftl lab up` can exit.
    const isolation = this.spec.isolation;
    const sshdArgv = [...sshdPrefix(isolation, this.spec.tied === true), this.sshd, '-D', '-f', p.config, '-E', p.log];
    // unshare execs the set-up shell, which execs (setpriv, which execs) sshd: one process, whose pid we record.
    const cmd = isolation === undefined ? { file: sshdArgv[0] ?? this.sshd, args: sshdArgv.slice(1), env: process.env } : isolatedCommand(this.unshare, isolation, this.dir, host, this.spec.home ?? '', sshdArgv);
    const errFd = openSync(p.startLog, 'w');
    const child = spawn(cmd.file, cmd.args, { detached: true, stdio: ['ignore', 'ignore', errFd], env: cmd.env });
    closeSync(errFd);
    const spawned = await new Promise<number>((resolve, reject) => {
      child.once('error', (e: NodeJS.ErrnoException) => {
        const pkg = cmd.file === this.sshd ? 'openssh-server (apt-get install openssh-server)' : 'util-linux';
        reject(e.code === 'ENOENT' ? labError(`${cmd.file} not found: install the package ${pkg}`, e) : labError(`cannot start ${cmd.file} for ${name}: ${e.message}`, e));
      });
      child.once('spawn', () => {
        resolve(child.pid ?? -1);
      });
    });
    child.unref();
    writeFileSync(p.pid, `${String(spawned)}\n`);
    const until = Date.now() + START_TIMEOUT_MS;
    while (!(await tcpAccepts(host.address, host.port, 500))) {
      if (signal?.aborted === true) {
        signalTree(spawned, 'SIGKILL');
        throw interrupted();
      }
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
    // An isolated host's background processes, reparented away from sshd, share its mount namespace.
    const tree = [...new Set([...processTree(pid), ...(this.spec.isolation === undefined ? [] : namespaceMembers(pid))])];
    for (const p of tree) {
      try {
        process.kill(p, signal);
      } catch {
        // gone
      }
    }
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
    for (const h of this.spec.hosts) unlockWorkDir(h);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** How many hosts: the count, or the groups' sum (both given: they must agree). */
function hostCount(opts: LabUpOptions): number {
  const fromGroups = opts.groups?.reduce((n, g) => n + g.count, 0);
  if (fromGroups !== undefined && opts.count !== undefined && fromGroups !== opts.count) {
    throw labError(`the groups make ${String(fromGroups)} hosts but the count is ${String(opts.count)}; give one or the other`);
  }
  const count = fromGroups ?? opts.count ?? 0;
  if (!Number.isInteger(count) || count < 1 || count > MAX_HOSTS) throw labError(`a lab has 1 to ${String(MAX_HOSTS)} hosts, not ${String(count)}`);
  return count;
}

/**
 * Starts N real OpenSSH servers on loopback addresses, with keys, known_hosts and an
 * inventory; isolated, each in namespaces of its own (see isolation.ts).
 */
export async function labUp(opts: LabUpOptions): Promise<Lab> {
  const sshd = opts.sshd ?? '/usr/sbin/sshd';
  const keygenBin = opts.sshKeygen ?? 'ssh-keygen';
  const count = hostCount(opts);
  if (!existsSync(sshd)) throw labError(`${sshd} not found: install the package openssh-server (apt-get install openssh-server)`);
  const dir = resolvePath(opts.dir);
  if (existsSync(labPaths(dir).spec)) throw labError(`a lab exists in ${dir} already; stop it with ftl lab down --dir ${dir}, or choose another --dir`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const asRoot = process.getuid?.() === 0;
  // Privilege separation wants this directory when sshd runs as root.
  if (asRoot) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const names = labHostNames(count, opts.groups);
  for (const n of names) mkdirSync(`${dir}/${n.name}`, { recursive: true, mode: 0o700 });
  const paths = labPaths(dir);
  // What does not depend on one another runs at once: the namespace probe, the addresses, the keys.
  const [probe, addrs, userKey, hostKeys] = await Promise.all([
    opts.isolated === true ? probeIsolation(opts.unshare) : Promise.resolve(undefined),
    chooseAddresses(count, opts.basePort ?? 2222),
    keygen(keygenBin, paths.key, 'ftl-lab-user'),
    Promise.all(names.map((n) => keygen(keygenBin, hostPaths({ name: n.name, address: '', port: 0, dir: `${dir}/${n.name}` }).hostKey, `ftl-lab-${n.name}`))),
  ]);
  const isolation = probe !== undefined && 'isolation' in probe ? probe.isolation : undefined;
  const user = opts.user ?? userInfo().username;
  const owner = isolation === undefined ? undefined : account(user);
  // The home each host's own is mounted over; none when the user has no real one.
  const home = owner !== undefined && owner.home !== '/' && existsSync(owner.home) ? owner.home : '';
  const hosts: LabHostSpec[] = names.map((n, i) => ({
    name: n.name,
    address: addrs[i]?.address ?? '127.0.0.1',
    port: addrs[i]?.port ?? 0,
    dir: `${dir}/${n.name}`,
    ...(n.group === undefined ? {} : { group: n.group }),
  }));
  const ownHomes = opts.ownHomes === true || isolation !== undefined;
  const spec: LabSpec = { dir, user, hosts, ...(ownHomes ? { ownHomes: true } : {}), ...(opts.tied === true ? { tied: true } : {}), ...(isolation === undefined ? {} : { isolation, home }) };
  writeFileSync(paths.authorizedKeys, userKey, { mode: 0o600 });
  const known = hosts.map((h, i) => {
    if (ownHomes) mkdirSync(hostPaths(h).home, { recursive: true, mode: 0o700 });
    if (isolation !== undefined) prepareHostDirs(h, hosts, owner);
    // A home mounted over the real one needs no HOME from sshd.
    writeFileSync(hostPaths(h).config, sshdConfig(h, dir, asRoot, { passwordAuth: opts.passwordAuth === true, ownHome: ownHomes, isolated: isolation !== undefined && home !== '', maxStartups: opts.maxStartups }));
    return knownHostsLine(h.address, h.port, hostKeys[i] ?? '');
  });
  writeFileSync(paths.knownHosts, `${known.join('\n')}\n`, { mode: 0o600 });
  writeFileSync(paths.inventory, labInventory(spec));
  writeFileSync(paths.spec, `${JSON.stringify(spec, null, 2)}\n`);
  chmodSync(paths.key, 0o600);
  const lab = new Lab(spec, sshd, opts.unshare);
  if (probe !== undefined && 'reason' in probe) lab.warning = `the lab hosts share this machine's hostname and files: ${probe.reason}`;
  try {
    // Many at a time: a start is mostly waiting for exec and the first accept, little CPU.
    for (let i = 0; i < hosts.length; i += START_BATCH) {
      if (opts.signal?.aborted === true) throw interrupted();
      // Every start settles before a failure is acted on, so down() sees each pid that was spawned.
      const started = await Promise.allSettled(hosts.slice(i, i + START_BATCH).map((h) => lab.startHost(h.name, opts.signal)));
      const failed = started.find((r) => r.status === 'rejected');
      if (failed !== undefined) throw failed.reason;
    }
  } catch (e) {
    await lab.down();
    throw e;
  }
  if (isolation !== undefined && hosts.some((h) => readText(hostPaths(h).startLog).includes('overlayfs refused'))) {
    lab.warning = 'the lab hosts share /etc, but for their own /etc/hostname and /etc/hosts: overlayfs refused to mount (see start.log in a host\'s dir)';
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
