import type { GateBuild } from '../gate/pyz.js';
import type { GateTransport, StartLimits } from '../gate/transport.js';
import type { Warning } from '../base/warnings.js';
import type { BecomeSpec, HostFacts } from '../base/types.js';
import type { AskPassword } from '../base/passwords.js';
import { sshGLookup, type SshConfigLookup } from './config.js';
import { becomeCopy, deployAfterProbe, deployGate, type RemoteGate } from './deploy.js';
import type { RemoteResult, RemoteRunner } from './exec.js';
import { SshConnectionPool, type SshPoolOptions } from './pool.js';
import { runRaw, type RawOptions, type RawResult } from './raw.js';
import { resolveTarget, targetKey, type SshTarget } from './target.js';
import { RemoteKills, runWithin } from './remote-start.js';
import { GateDamaged, openSshGate, startGateOrProbe } from './transport.js';

export interface SshGateFactoryOptions {
  /** The gate to run; a promise lets connections come up while it is still being built (its module_utils read and zipped). */
  gate: GateBuild | Promise<GateBuild>;
  /** Facts of an inventory host by name, for ProxyJump hops that name one. */
  resolveFacts: (name: string) => HostFacts | undefined;
  /** Record host keys not yet in known_hosts (never changed ones). */
  acceptNew?: boolean;
  /** Skip host key checking entirely (labs). */
  noHostKeyCheck?: boolean;
  /** How long one attempt to connect may take when neither the inventory nor ~/.ssh/config says (default 10 s, as Ansible's timeout). */
  connectTimeoutMs?: number;
  keepaliveMs?: number;
  /** The ssh-agent socket when ~/.ssh/config names none (default: SSH_AUTH_SOCK). */
  agentSocket?: string | undefined;
  /** Where settings ftl cannot honour, and gates found damaged and replaced, are said, once each (GateProvider.warnings). */
  warn?: ((w: Warning, key?: string) => void) | undefined;
  /** Asked when authentication fails and the inventory gives no password; kept in memory only. */
  askPassword?: AskPassword | undefined;
  /** Where gates live on hosts: relative to $HOME or absolute (default .ftl). */
  remoteDir?: string;
  /** ~/.ssh/config lookup (default: `ssh -G`); null for none. */
  sshConfig?: SshConfigLookup | null;
  maxChannelsPerConnection?: number;
  maxConcurrentConnects?: number;
  /** Connections being set up at once to one sshd (see SshPoolOptions). */
  maxConnectsPerServer?: number;
  /** The gate's bytes for an upload, checked (default: read from gate.path). */
  readGate?: () => Promise<Uint8Array>;
}

/** How long a start step may take when the caller gives no limits: a start that hangs must end some time. */
const DEFAULT_START_MS = 120_000;

export interface SshGateFactoryStats {
  /** Gate files uploaded (at most one per host per gate hash). */
  uploads: number;
  /** Probes answered: a host's first gate found none to start, or a become gate needed the interpreter's details. */
  probes: number;
  /** SSH connections opened, and open now. */
  connections: number;
  openConnections: number;
  /** Connections retried after the server dropped them during set-up (reset, MaxStartups). */
  connectRetries: number;
  gatesOpened: number;
}

export interface SshGateFactory {
  /** A running gate on the host; each step that runs on the host is bounded by `limits` (default 120 s) and killed there when it overruns. */
  open(facts: HostFacts, become?: BecomeSpec, limits?: StartLimits): Promise<GateTransport>;
  /** Runs a command on the host outside any gate, on a pooled connection (Ansible's raw). */
  raw(facts: HostFacts, command: string, opts: RawOptions): Promise<RawResult>;
  closeAll(): Promise<void>;
  stats(): SshGateFactoryStats;
  /** Gates opened from now on are this build (an upgrade); the ones open go on as they are. */
  setGate(build: GateBuild): void;
  /** Looks the host up in ~/.ssh/config now (cached for the hosts after it), ahead of its first open. */
  warm(facts: HostFacts): Promise<void>;
}

/** A discovered interpreter under the login user's home (pyenv, a venv) is out of the become user's reach; a system one is not. */
function becomePython(target: SshTarget, remote: RemoteGate): string {
  if (target.python !== undefined || remote.systemPython === undefined) return remote.python;
  return remote.home !== '' && remote.python.startsWith(`${remote.home}/`) ? remote.systemPython : remote.python;
}

/**
 * Gates on SSH hosts: resolves where and how to connect, makes sure the host has the
 * gate (probe, upload once), then starts it on a channel of a pooled connection.
 */
export function createSshGateFactory(opts: SshGateFactoryOptions): SshGateFactory {
  const poolOpts: SshPoolOptions = {
    keepaliveMs: opts.keepaliveMs ?? 15_000,
    askPassword: opts.askPassword,
    ...(opts.maxChannelsPerConnection === undefined ? {} : { maxChannelsPerConnection: opts.maxChannelsPerConnection }),
    ...(opts.maxConcurrentConnects === undefined ? {} : { maxConcurrentConnects: opts.maxConcurrentConnects }),
    ...(opts.maxConnectsPerServer === undefined ? {} : { maxConnectsPerServer: opts.maxConnectsPerServer }),
  };
  const pool = new SshConnectionPool(poolOpts);
  let gateReady: Promise<GateBuild> = Promise.resolve(opts.gate);
  // Nobody may ask for a gate before it fails (raw only): no unhandled rejection.
  gateReady.catch(() => undefined);
  /** Set once gateReady resolves; every use below comes after open() has awaited it. */
  let gate = undefined as unknown as GateBuild;
  const kills = new RemoteKills();
  const lookup = opts.sshConfig === null ? undefined : (opts.sshConfig ?? sshGLookup());
  const remoteDir = opts.remoteDir ?? '.ftl';
  /** Deploys by key, each with the tick it began at (see `asked` below). */
  const deployed = new Map<string, { p: Promise<RemoteGate>; tick: number }>();
  let ticks = 0;
  const copies = new Map<string, Promise<string>>();
  const counts = { uploads: 0, probes: 0, gatesOpened: 0 };
  const damaged = (host: string): void => {
    opts.warn?.({ host, message: `gate on ${host} was damaged; redeployed` });
  };

  /** Runs deploy scripts within the start's limits (a probe runs the interpreter, which may hang). */
  const runner =
    (target: SshTarget, limits: StartLimits): RemoteRunner =>
    (command, stdin) =>
      runWithin(pool, kills, target, command, limits, 'preparing the gate', stdin);

  /**
   * Once per (connection path, hash): a failure is forgotten so the next call tries again.
   * `seen`: a probe's answer the start script gave (it found no gate to start), and the tick
   * it was asked at. A deploy begun after that is waited for (gates opened at once share one
   * upload); one from before is stale, since the file was not there: deploy again.
   */
  const deployKey = (target: SshTarget): string => `${targetKey(target)}|${gate.hash}|${target.python ?? ''}`;
  const ensureDeployed = (target: SshTarget, limits: StartLimits, seen?: { probe: RemoteResult; asked: number }): Promise<RemoteGate> => {
    const key = deployKey(target);
    const known = deployed.get(key);
    if (known !== undefined && (seen === undefined || known.tick > seen.asked)) return known.p;
    const o = { host: target.name, python: target.python, remoteDir, readGate: opts.readGate };
    if (seen === undefined) counts.probes++;
    const run = runner(target, limits);
    const p = (seen === undefined ? deployGate(run, gate, o) : deployAfterProbe(run, gate, o, seen.probe)).then((r) => {
      if (r.uploaded) counts.uploads++;
      if (r.damaged) damaged(target.name);
      return r;
    });
    const entry = { p, tick: ++ticks };
    p.catch(() => {
      if (deployed.get(key) === entry) deployed.delete(key);
    });
    deployed.set(key, entry);
    return p;
  };

  const readableCopy = (target: SshTarget, remote: RemoteGate, limits: StartLimits): Promise<string> => {
    const key = `${targetKey(target)}|${remote.path}`;
    let p = copies.get(key);
    if (p === undefined) {
      p = becomeCopy(runner(target, limits), gate, remote.path, target.name, remote.python).then((c) => {
        if (c.damaged) damaged(target.name);
        return c.path;
      });
      p.catch(() => copies.delete(key));
      copies.set(key, p);
    }
    return p;
  };

  /** A start that found the file damaged after all (changed since it was checked): check and copy again, next time. */
  const forget = (target: SshTarget): void => {
    deployed.delete(deployKey(target));
    for (const key of [...copies.keys()]) if (key.startsWith(`${targetKey(target)}|`)) copies.delete(key);
  };

  const targetOf = (facts: HostFacts): Promise<SshTarget> =>
    resolveTarget(facts, {
      lookup,
      resolveFacts: opts.resolveFacts,
      acceptNew: opts.acceptNew === true,
      noHostKeyCheck: opts.noHostKeyCheck === true,
      connectTimeoutMs: opts.connectTimeoutMs,
      agentSocket: opts.agentSocket,
      warn: opts.warn,
    });

  const openAs = async (target: SshTarget, become: BecomeSpec, limits: StartLimits): Promise<GateTransport> => {
    const remote = await ensureDeployed(target, limits);
    // root reads the login user's file as it is; anyone else needs the readable copy.
    const needsCopy = become.user !== 'root' && become.user !== target.user;
    const path = needsCopy ? await readableCopy(target, remote, limits) : remote.path;
    return openSshGate(pool, kills, target, { python: needsCopy ? becomePython(target, remote) : remote.python, path, sha256: gate.sha256, become }, limits);
  };

  const openPlain = async (target: SshTarget, limits: StartLimits): Promise<GateTransport> => {
    // Usually the gate is there: it starts in one round trip, and only a host without it (or with a damaged one) is probed and given it.
    const asked = ++ticks;
    const first = await startGateOrProbe(pool, kills, target, gate, remoteDir, limits);
    if ('started' in first) return first.started;
    counts.probes++;
    const remote = await ensureDeployed(target, limits, { probe: first.probe, asked });
    return openSshGate(pool, kills, target, { python: remote.python, path: remote.path, sha256: gate.sha256 }, limits);
  };

  return {
    async open(facts, become, given) {
      const target = await targetOf(facts);
      // The connection comes up within the call's time; the gate's steps then use it.
      const ms = given?.timeoutMs;
      // Connecting needs no gate: the connection comes up while the gate is still being built.
      [gate] = await Promise.all([gateReady, pool.ready(target, { deadline: ms === undefined ? undefined : { at: Date.now() + ms, ms } })]);
      const limits = given ?? { timeoutMs: DEFAULT_START_MS };
      const once = (): Promise<GateTransport> => (become === undefined ? openPlain(target, limits) : openAs(target, become, limits));
      let transport: GateTransport;
      try {
        transport = await once();
      } catch (e) {
        // Damaged between its check and its start: checked, replaced and started once more.
        if (!(e instanceof GateDamaged)) throw e;
        forget(target);
        transport = await once();
        damaged(target.name);
      }
      counts.gatesOpened++;
      return transport;
    },
    async raw(facts, command, rawOpts) {
      return runRaw(pool, await targetOf(facts), command, rawOpts);
    },
    warm: async (facts) => {
      await targetOf(facts);
    },
    closeAll: async () => {
      // A kill on its way to a host needs the connection it goes over.
      await kills.settled();
      await pool.closeAll();
    },
    setGate(build) {
      // open() takes the build from gateReady each time: an upgrade replaces both.
      gateReady = Promise.resolve(build);
      gate = build;
    },
    stats: () => {
      const s = pool.stats();
      return { ...counts, connections: s.connections, openConnections: s.open, connectRetries: s.connectRetries };
    },
  };
}
