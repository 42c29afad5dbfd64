import { existsSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import type { HostFacts } from '../base/types.js';
import { SshError } from '../base/errors.js';
import { expandTilde } from '../base/paths.js';
import type { SshConfigLookup } from './config.js';

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
  /** A secret: never in messages or logs. */
  readonly password: string | undefined;
  /** Checked, and the first records new keys (accept-new). */
  readonly knownHostsFiles: readonly string[];
  /** Checked only (/etc/ssh/ssh_known_hosts). */
  readonly globalKnownHostsFiles: readonly string[];
  readonly hostKeyPolicy: HostKeyPolicy;
  /** Hops to go through, first to last. */
  readonly jumps: readonly SshTarget[];
  /** The gate's interpreter (ansible_python_interpreter), when the inventory names one. */
  readonly python: string | undefined;
}

export interface ResolveOptions {
  lookup: SshConfigLookup | undefined;
  resolveFacts: (name: string) => HostFacts | undefined;
  acceptNew: boolean;
  noHostKeyCheck: boolean;
}

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

/** The key a connection is pooled by: the same user, address, port and path share a connection. */
export function targetKey(t: SshTarget): string {
  return [...t.jumps.map(describeTarget), describeTarget(t)].join(' > ');
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
    facts: f,
  };
}

async function resolveSpec(spec: BaseSpec, opts: ResolveOptions, depth: number, inherited?: BaseSpec): Promise<SshTarget> {
  if (depth > 8) throw new SshError('FTL_SSH_CONNECT', `${spec.name}: ProxyJump chain deeper than 8 hops (a loop?); check ansible_ssh_common_args and ~/.ssh/config`, { host: spec.name });
  const cfg = opts.lookup === undefined ? undefined : await opts.lookup(spec.host, { user: spec.user, port: spec.port });
  const knownHostsFiles =
    spec.knownHostsFile !== undefined ? [expandTilde(spec.knownHostsFile)] : inherited?.knownHostsFile !== undefined ? [expandTilde(inherited.knownHostsFile)] : cfg !== undefined && cfg.knownHostsFiles.length > 0 ? [...cfg.knownHostsFiles] : DEFAULT_KNOWN_HOSTS();
  const explicitKey = spec.keyFile ?? inherited?.keyFile;
  const identityFiles = (explicitKey !== undefined ? [explicitKey] : [...(cfg?.identityFiles ?? [])]).filter((p) => existsSync(p));
  const jumpNames = depth === 0 ? (spec.jumps.length > 0 ? spec.jumps : (cfg?.proxyJump ?? [])) : [];
  const jumps: SshTarget[] = [];
  for (const name of jumpNames) {
    const facts = opts.resolveFacts(name);
    if (facts !== undefined) {
      jumps.push(await resolveSpec(specFromFacts(facts), opts, depth + 1));
      continue;
    }
    const hop = parseHopSpec(name);
    // A hop that is not an inventory host checks its key against the same files as the host behind it.
    jumps.push(
      await resolveSpec(
        { name, host: hop.host, port: hop.port, user: hop.user, keyFile: undefined, password: undefined, knownHostsFile: undefined, strict: undefined, jumps: [], facts: undefined },
        opts,
        depth + 1,
        spec,
      ),
    );
  }
  return {
    name: spec.name,
    host: cfg?.hostname ?? spec.host,
    port: spec.port ?? cfg?.port ?? 22,
    user: spec.user ?? cfg?.user ?? userInfo().username,
    identityFiles,
    password: spec.password,
    knownHostsFiles,
    globalKnownHostsFiles: cfg?.globalKnownHostsFiles ?? ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'],
    hostKeyPolicy: policyFrom(spec.strict ?? inherited?.strict ?? cfg?.strictHostKeyChecking, spec.facts ?? inherited?.facts, opts),
    jumps,
    python: spec.facts?.python,
  };
}

/** Where and how to connect for an inventory host. */
export function resolveTarget(facts: HostFacts, opts: ResolveOptions): Promise<SshTarget> {
  return resolveSpec(specFromFacts(facts), opts, 0);
}
