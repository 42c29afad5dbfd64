import { createHmac, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import type { HostFacts } from '../base/types.js';
import { SshError } from '../base/errors.js';
import { expandTilde } from '../base/paths.js';
import type { Warning } from '../base/warnings.js';
import type { SshConfigEntry, SshConfigLookup } from './config.js';
import { expandProxyCommand } from './proxy-command.js';
import { sshArgsIgnored } from './ssh-args.js';

export type HostKeyPolicy = 'strict' | 'accept-new' | 'off';

/** Everything needed to open one SSH connection, resolved from facts, ~/.ssh/config and defaults. */
export interface SshTarget {
  /** For messages: the inventory name, or the hop as written. */
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly user: string;
  /** Key files to offer, in order (files that exist only). */
  readonly identityFiles: readonly string[];
  /** Key files the inventory names that do not exist: nothing is offered for them. */
  readonly missingKeyFiles: readonly string[];
  /** The ssh-agent socket to ask for keys; undefined: no agent (none running, IdentityAgent none). */
  readonly agentSocket: string | undefined;
  /** IdentitiesOnly: the agent offers only the keys of identityFiles (those ftl cannot read itself). */
  readonly identitiesOnly?: boolean | undefined;
  /** A secret: never in messages or logs. */
  readonly password: string | undefined;
  /** Answers to keyboard-interactive prompts other than the password's, by prompt text (asked this session; secrets). */
  readonly answers?: ReadonlyMap<string, string> | undefined;
  /** Checked, and the first records new keys (accept-new). */
  readonly knownHostsFiles: readonly string[];
  /** Checked only (/etc/ssh/ssh_known_hosts). */
  readonly globalKnownHostsFiles: readonly string[];
  readonly hostKeyPolicy: HostKeyPolicy;
  /** Keys recorded under accept-new are written hashed (HashKnownHosts yes). */
  readonly hashKnownHosts: boolean;
  /** Hops to go through, first to last. */
  readonly jumps: readonly SshTarget[];
  /** A command (tokens expanded) whose stdin/stdout carry the connection, instead of TCP. */
  readonly proxyCommand: string | undefined;
  /** The longest one attempt to connect may take, handshake and login included (ConnectTimeout). */
  readonly connectTimeoutMs: number;
  /** The gate's interpreter (ansible_python_interpreter), when the inventory names one. */
  readonly python: string | undefined;
}

export interface ResolveOptions {
  lookup: SshConfigLookup | undefined;
  resolveFacts: (name: string) => HostFacts | undefined;
  acceptNew: boolean;
  noHostKeyCheck: boolean;
  /** When neither the inventory nor ~/.ssh/config says (Ansible's default timeout: 10 s). */
  connectTimeoutMs?: number | undefined;
  /** The agent when ~/.ssh/config names none (default SSH_AUTH_SOCK). */
  agentSocket?: string | undefined;
  /** Settings that cannot be honoured are said here, once each. */
  warn?: ((w: Warning, key?: string) => void) | undefined;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** `user@host:port` (and the brackets of `user@[::1]:port`) */
export function parseHopSpec(spec: string): { user: string | undefined; host: string; port: number | undefined } {
  const at = spec.lastIndexOf('@');
  const user = at > 0 ? spec.slice(0, at) : undefined;
  const rest = at >= 0 ? spec.slice(at + 1) : spec;
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
  if (bracket !== null) return { user, host: bracket[1] ?? rest, port: bracket[2] === undefined ? undefined : Number.parseInt(bracket[2], 10) };
  const m = /^([^:]+):(\d+)$/.exec(rest);
  if (m !== null) return { user, host: m[1] ?? rest, port: Number.parseInt(m[2] ?? '22', 10) };
  return { user, host: rest, port: undefined };
}

/** The target's ssh: `user@host:port` for messages. */
export function describeTarget(t: SshTarget): string {
  return `${t.user}@${t.host}:${String(t.port)}`;
}

/** Stands for a password in a pool key: the same password, the same id, within this process only. */
const secretSalt = randomBytes(16);
function secretId(secret: string): string {
  return createHmac('sha256', secretSalt).update(secret).digest('base64url').slice(0, 16);
}

/**
 * The key a connection is pooled by: everything that authenticates it (user, address,
 * port, key files and the ones found missing, agent, password, the way there) and
 * everything that vouched for the host (key checking). Two inventory entries for the
 * same host:port that differ in any of these never share a connection.
 */
export function targetKey(t: SshTarget): string {
  const own = [
    describeTarget(t),
    `keys=${t.identityFiles.join(',')}`,
    `missing=${t.missingKeyFiles.join(',')}`,
    `agent=${t.agentSocket ?? ''}${t.identitiesOnly === true ? ' (identities only)' : ''}`,
    `password=${t.password === undefined ? '' : secretId(t.password)}`,
    `proxy=${t.proxyCommand ?? ''}`,
    `hostkeys=${t.hostKeyPolicy}:${[...t.knownHostsFiles, '|', ...t.globalKnownHostsFiles].join(',')}`,
  ].join(' ');
  return [...t.jumps.map(targetKey), own].join(' > ');
}

const DEFAULT_KNOWN_HOSTS = (): string[] => [`${homedir()}/.ssh/known_hosts`, `${homedir()}/.ssh/known_hosts2`];

function policyFrom(strict: string | undefined, facts: HostFacts | undefined, opts: ResolveOptions): HostKeyPolicy {
  if (opts.noHostKeyCheck || facts?.hostKeyChecking === false) return 'off';
  const s = strict?.toLowerCase();
  if (s === 'no' || s === 'off') return 'off';
  if (s === 'accept-new' || opts.acceptNew) return 'accept-new';
  return 'strict';
}

interface BaseSpec {
  name: string;
  host: string;
  port: number | undefined;
  user: string | undefined;
  keyFile: string | undefined;
  password: string | undefined;
  knownHostsFile: string | undefined;
  strict: string | undefined;
  jumps: readonly string[];
  proxyCommand: string | undefined;
  facts: HostFacts | undefined;
}

function specFromFacts(f: HostFacts): BaseSpec {
  return {
    name: f.name,
    host: f.address,
    port: f.port,
    user: f.user,
    keyFile: f.privateKeyFile,
    password: f.password,
    knownHostsFile: f.knownHostsFile,
    strict: f.strictHostKeyChecking,
    jumps: f.proxyJump,
    proxyCommand: f.proxyCommand,
    facts: f,
  };
}

function isYes(v: string | undefined): boolean | undefined {
  if (v === undefined) return undefined;
  return ['yes', 'true'].includes(v.toLowerCase());
}

/** IdentityAgent as ssh reads it: a path (~ and ${VAR} expanded), SSH_AUTH_SOCK, $VAR, or none. */
function agentFrom(value: string | undefined, dflt: string | undefined): string | undefined {
  if (value === undefined) return dflt === '' ? undefined : dflt;
  if (value.toLowerCase() === 'none') return undefined;
  if (value === 'SSH_AUTH_SOCK') return process.env.SSH_AUTH_SOCK;
  const env = /^\$([A-Za-z_][A-Za-z0-9_]*)$/.exec(value);
  if (env !== null) return process.env[env[1] ?? ''];
  const path = expandTilde(value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, v: string) => process.env[v] ?? ''));
  return path === '' ? undefined : path;
}

/** Says once what the ssh configuration and the inventory's ssh arguments set that ftl cannot honour. */
function warnUnsupported(spec: BaseSpec, cfg: SshConfigEntry | undefined, opts: ResolveOptions): void {
  const warn = opts.warn;
  if (warn === undefined) return;
  const fromConfig = cfg?.unsupported ?? [];
  if (fromConfig.length > 0) {
    const names = fromConfig.map((o) => o.split(' ')[0]).join(', ');
    warn({ host: spec.name, message: `ftl does not honour ${fromConfig.join(', ')} from the ssh configuration (ssh -G ${spec.host}); it connects without them` }, `ssh-config-unsupported\0${names}`);
  }
  const fromArgs = spec.facts === undefined ? [] : sshArgsIgnored(spec.facts);
  if (fromArgs.length > 0) {
    warn({ host: spec.name, message: `ftl does not honour ${fromArgs.join(', ')} in ansible_ssh_common_args/ansible_ssh_extra_args; it connects without them` }, `ssh-args-unsupported\0${fromArgs.join('\0')}`);
  }
}

async function resolveSpec(spec: BaseSpec, opts: ResolveOptions, depth: number, inherited?: BaseSpec, firstHop = false): Promise<SshTarget> {
  if (depth > 8) throw new SshError('FTL_SSH_CONNECT', 'the ProxyJump chain is deeper than 8 hops (a loop?)', { host: spec.name, hint: 'check ProxyJump in ansible_ssh_common_args and ~/.ssh/config' });
  const cfg = opts.lookup === undefined ? undefined : await opts.lookup(spec.host, { user: spec.user, port: spec.port });
  warnUnsupported(spec, cfg, opts);
  const args = spec.facts?.sshOptions ?? {};
  const knownHostsFiles =
    spec.knownHostsFile !== undefined ? [expandTilde(spec.knownHostsFile)] : inherited?.knownHostsFile !== undefined ? [expandTilde(inherited.knownHostsFile)] : cfg !== undefined && cfg.knownHostsFiles.length > 0 ? [...cfg.knownHostsFiles] : DEFAULT_KNOWN_HOSTS();
  const explicitKey = spec.keyFile ?? inherited?.keyFile;
  const identityFiles = (explicitKey !== undefined ? [explicitKey] : [...(cfg?.identityFiles ?? [])]).filter((p) => existsSync(p));
  const missingKeyFiles = explicitKey !== undefined && !existsSync(explicitKey) ? [explicitKey] : [];
  const identitiesOnly = isYes(args.identitiesonly) ?? cfg?.identitiesOnly ?? false;
  const agentSocket = agentFrom(args.identityagent ?? cfg?.identityAgent, opts.agentSocket ?? process.env.SSH_AUTH_SOCK);
  if (missingKeyFiles.length > 0) {
    // Under IdentitiesOnly the agent offers only the keys of existing identity files: none here.
    const agentOffers = agentSocket !== undefined && !(identitiesOnly && identityFiles.length === 0);
    const rest = [agentOffers ? 'ssh-agent' : '', spec.password === undefined ? '' : 'the password'].filter(Boolean).join(' and ') || 'nothing';
    opts.warn?.({ host: spec.name, message: `the key file ${missingKeyFiles.join(', ')} (ansible_ssh_private_key_file) does not exist; offering ${rest} instead` });
  }
  // The inventory's way there (ProxyJump or ProxyCommand, 'none' for neither) beats ~/.ssh/config's.
  const ownWay = spec.jumps.length > 0 || spec.proxyCommand !== undefined;
  // ssh -J a,b connects to a with a's own configuration (its ProxyJump or ProxyCommand too), and
  // to b through a: so the first hop's own way there is followed, a later hop's is not.
  const followsJumps = depth === 0 || firstHop;
  const jumpNames = !followsJumps ? [] : ownWay ? spec.jumps : (cfg?.proxyJump ?? []);
  const proxyWritten = jumpNames.length > 0 ? undefined : ownWay ? spec.proxyCommand : cfg?.proxyCommand;
  const jumps: SshTarget[] = [];
  for (const [i, name] of jumpNames.entries()) {
    const facts = opts.resolveFacts(name);
    if (facts !== undefined) {
      jumps.push(await resolveSpec(specFromFacts(facts), opts, depth + 1, undefined, i === 0));
      continue;
    }
    const hop = parseHopSpec(name);
    // A hop that is not an inventory host checks its key against the same files as the host behind it
    // (through a chain of such hops: the files of the first inventory host or target behind them).
    const behind = spec.facts === undefined && inherited !== undefined ? inherited : spec;
    jumps.push(
      await resolveSpec(
        { name, host: hop.host, port: hop.port, user: hop.user, keyFile: undefined, password: undefined, knownHostsFile: undefined, strict: undefined, jumps: [], proxyCommand: undefined, facts: undefined },
        opts,
        depth + 1,
        behind,
        i === 0,
      ),
    );
  }
  // The first hop's own way there comes before it: one flat chain, each hop reached through the one before.
  const [first, ...later] = jumps;
  if (first !== undefined && first.jumps.length > 0) jumps.splice(0, jumps.length, ...first.jumps, { ...first, jumps: [] }, ...later);
  const host = cfg?.hostname ?? spec.host;
  const port = spec.port ?? cfg?.port ?? 22;
  const user = spec.user ?? cfg?.user ?? userInfo().username;
  let proxyCommand: string | undefined;
  if (proxyWritten !== undefined && proxyWritten.toLowerCase() !== 'none') {
    try {
      proxyCommand = expandProxyCommand(proxyWritten, { host, original: spec.host, port, user });
    } catch (e) {
      throw new SshError('FTL_SSH_CONNECT', (e as Error).message, { host: spec.name, hint: 'write %% for a literal %' });
    }
  }
  const timeoutS = spec.facts?.connectTimeoutS ?? inherited?.facts?.connectTimeoutS ?? cfg?.connectTimeoutS;
  return {
    name: spec.name,
    host,
    port,
    user,
    identityFiles,
    missingKeyFiles,
    agentSocket,
    identitiesOnly,
    password: spec.password,
    knownHostsFiles,
    globalKnownHostsFiles: cfg?.globalKnownHostsFiles ?? ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'],
    hostKeyPolicy: policyFrom(spec.strict ?? inherited?.strict ?? cfg?.strictHostKeyChecking, spec.facts ?? inherited?.facts, opts),
    hashKnownHosts: isYes(args.hashknownhosts) ?? cfg?.hashKnownHosts ?? false,
    jumps,
    proxyCommand,
    connectTimeoutMs: timeoutS !== undefined ? timeoutS * 1000 : (opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS),
    python: spec.facts?.python,
  };
}

/** Where and how to connect for an inventory host. */
export function resolveTarget(facts: HostFacts, opts: ResolveOptions): Promise<SshTarget> {
  return resolveSpec(specFromFacts(facts), opts, 0);
}
