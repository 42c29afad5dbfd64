import { execFile } from 'node:child_process';
import { homedir } from 'node:os';
import { expandTilde } from '../base/paths.js';
import { configIsHostIndependent } from './config-scope.js';

/** What ~/.ssh/config (as `ssh -G` resolves it) says about one host. */
export interface SshConfigEntry {
  readonly hostname: string | undefined;
  readonly user: string | undefined;
  readonly port: number | undefined;
  readonly identityFiles: readonly string[];
  readonly proxyJump: readonly string[];
  readonly knownHostsFiles: readonly string[];
  readonly globalKnownHostsFiles: readonly string[];
  /** yes | no | accept-new | ask | off, as written. */
  readonly strictHostKeyChecking: string | undefined;
  /** Keys ftl records (accept-new) are written hashed. */
  readonly hashKnownHosts: boolean;
  /** %-tokens unexpanded (ssh -G prints them as written). */
  readonly proxyCommand: string | undefined;
  readonly connectTimeoutS: number | undefined;
  /** Offer only the identity files, never the agent's keys. */
  readonly identitiesOnly: boolean;
  /** The agent socket: a path, `SSH_AUTH_SOCK`, `$VAR`, or `none`; undefined: SSH_AUTH_SOCK. */
  readonly identityAgent: string | undefined;
  /** Settings that change how ssh would connect and that ftl cannot honour, as `Name value`. */
  readonly unsupported: readonly string[];
}

/** Looks a host up in the ssh client configuration; undefined when there is none to ask. */
export type SshConfigLookup = (host: string, opts: { user?: string | undefined; port?: number | undefined }) => Promise<SshConfigEntry | undefined>;

/**
 * Settings that would change where, how or as whom ssh connects, which ftl does not
 * do: named in a warning when they are set. The values are ssh's defaults (no line
 * when unset). Connection sharing (ControlMaster, ControlPath, ControlPersist) is left
 * out on purpose: ftl pools its own connections. So are keepalives (ftl sends its own)
 * and algorithm lists (ssh2 negotiates from its own).
 */
const UNSUPPORTED: readonly (readonly [key: string, name: string, ok: (v: string) => boolean])[] = [
  ['certificatefile', 'CertificateFile', () => false],
  ['pkcs11provider', 'PKCS11Provider', (v) => v === 'none'],
  ['securitykeyprovider', 'SecurityKeyProvider', (v) => v === 'internal'],
  ['proxyusefdpass', 'ProxyUseFdpass', (v) => v === 'no'],
  ['hostkeyalias', 'HostKeyAlias', () => false],
  ['knownhostscommand', 'KnownHostsCommand', (v) => v === 'none'],
  ['revokedhostkeys', 'RevokedHostKeys', () => false],
  ['bindaddress', 'BindAddress', () => false],
  ['bindinterface', 'BindInterface', () => false],
  ['addressfamily', 'AddressFamily', (v) => v === 'any'],
  ['verifyhostkeydns', 'VerifyHostKeyDNS', (v) => v === 'no' || v === 'false'],
  ['forwardagent', 'ForwardAgent', (v) => v === 'no'],
  ['hostbasedauthentication', 'HostbasedAuthentication', (v) => v === 'no' || v === 'false'],
];

/** Parses `ssh -G` output: one lowercase `key value` per line; some keys repeat. */
export function parseSshG(text: string, home = homedir()): SshConfigEntry {
  const values = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const at = line.indexOf(' ');
    if (at <= 0) continue;
    const key = line.slice(0, at).toLowerCase();
    const list = values.get(key) ?? [];
    list.push(line.slice(at + 1).trim());
    values.set(key, list);
  }
  const one = (k: string): string | undefined => values.get(k)?.[0];
  const port = Number.parseInt(one('port') ?? '', 10);
  const jump = one('proxyjump');
  const proxy = one('proxycommand');
  const timeout = Number(one('connecttimeout'));
  return {
    hostname: one('hostname'),
    user: one('user'),
    port: Number.isFinite(port) ? port : undefined,
    identityFiles: (values.get('identityfile') ?? []).map((p) => expandTilde(p, home)),
    proxyJump: jump === undefined || jump.toLowerCase() === 'none' ? [] : jump.split(',').map((h) => h.trim()).filter(Boolean),
    knownHostsFiles: (one('userknownhostsfile') ?? '').split(/\s+/).filter(Boolean).map((p) => expandTilde(p, home)),
    globalKnownHostsFiles: (one('globalknownhostsfile') ?? '').split(/\s+/).filter(Boolean),
    strictHostKeyChecking: one('stricthostkeychecking'),
    hashKnownHosts: one('hashknownhosts')?.toLowerCase() === 'yes',
    proxyCommand: proxy === undefined || proxy.toLowerCase() === 'none' ? undefined : proxy,
    connectTimeoutS: Number.isFinite(timeout) && timeout > 0 ? timeout : undefined,
    identitiesOnly: ['yes', 'true'].includes(one('identitiesonly')?.toLowerCase() ?? ''),
    identityAgent: one('identityagent'),
    unsupported: UNSUPPORTED.flatMap(([key, name, ok]) => {
      const v = one(key);
      return v === undefined || ok(v.toLowerCase()) ? [] : [`${name} ${v}`];
    }),
  };
}

/** A name no configuration can mention: what `ssh -G` prints for it is what it prints for any host. */
const PROBE_HOST = 'ftl-any-host.invalid';

/** Host names `ssh -G` takes as they are: no user@, no port, no IPv6 brackets. */
const PLAIN_HOST = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * The ssh binary resolves the configuration exactly as `ssh` would (Include, Match, tokens).
 * Without an ssh binary (or when it fails) there is no configuration: inventory values and
 * defaults only. When the configuration says the same for every host (see
 * config-scope.ts), one `ssh -G` per user and port answers for all of them.
 */
export function sshGLookup(opts: { sshBin?: string; configFile?: string; timeoutMs?: number; home?: string; systemConfig?: string } = {}): SshConfigLookup {
  const cache = new Map<string, Promise<SshConfigEntry | undefined>>();
  let sameForAll: boolean | undefined;
  const ask = (host: string, o: { user?: string | undefined; port?: number | undefined }): Promise<SshConfigEntry | undefined> => {
    const args = ['-G'];
    if (opts.configFile !== undefined) args.push('-F', opts.configFile);
    if (o.user !== undefined) args.push('-l', o.user);
    if (o.port !== undefined) args.push('-p', String(o.port));
    // `--` so a host name can never be read as an option.
    args.push('--', host);
    const key = args.join('\0');
    let p = cache.get(key);
    if (p === undefined) {
      p = new Promise((resolve) => {
        execFile(opts.sshBin ?? 'ssh', args, { timeout: opts.timeoutMs ?? 10_000 }, (err, stdout) => {
          resolve(err === null ? parseSshG(stdout, opts.home) : undefined);
        });
      });
      cache.set(key, p);
    }
    return p;
  };
  return async (host, o) => {
    sameForAll ??= configIsHostIndependent({ configFile: opts.configFile, ...(opts.home === undefined ? {} : { home: opts.home }), ...(opts.systemConfig === undefined ? {} : { systemConfig: opts.systemConfig }) });
    if (!sameForAll || !PLAIN_HOST.test(host)) return ask(host, o);
    const any = await ask(PROBE_HOST, o);
    if (any === undefined) return undefined;
    // ssh lowercases the name it is given; a HostName for every host stays what it says.
    return { ...any, hostname: any.hostname === PROBE_HOST ? host.toLowerCase() : any.hostname };
  };
}
