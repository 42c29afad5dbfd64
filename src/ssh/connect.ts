import { readFileSync } from 'node:fs';
import ssh2 from 'ssh2';
import type { AnyAuthMethod, Client, ConnectConfig, ServerHostKeyAlgorithm } from 'ssh2';
import { SshError } from '../base/errors.js';
import { checkHostKey, knownKeyTypes, recordHostKey, type HostKeyVerdict } from './known-hosts.js';
import { describeTarget, type SshTarget } from './target.js';

export interface ConnectOptions {
  connectTimeoutMs: number;
  keepaliveMs: number;
  /** SSH_AUTH_SOCK by default. */
  agentSocket?: string | undefined;
}

const transient = new WeakSet<SshError>();

/** Whether a retry may cure this connect error: sshd drops connections past MaxStartups, at random. */
export function isTransientConnectError(e: unknown): boolean {
  return e instanceof SshError && transient.has(e);
}

export function transientError(target: SshTarget, message: string, cause?: unknown): SshError {
  const e = new SshError('FTL_SSH_CONNECT', message, { host: target.name, cause });
  transient.add(e);
  return e;
}

const RSA_ALGOS: ServerHostKeyAlgorithm[] = ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];

/** Ask for the key types known_hosts has for this host first, as OpenSSH does, so a host with several keys is not "unknown". */
function preferredHostKeyAlgorithms(target: SshTarget): ServerHostKeyAlgorithm[] {
  const types = knownKeyTypes([...target.knownHostsFiles, ...target.globalKnownHostsFiles], target.host, target.port);
  return types.flatMap((t) => (t === 'ssh-rsa' ? RSA_ALGOS : [t as ServerHostKeyAlgorithm]));
}

interface AuthPlan {
  methods: AnyAuthMethod[];
  tried: string[];
}

function authPlan(target: SshTarget, agentSocket: string | undefined): AuthPlan {
  const methods: AnyAuthMethod[] = [];
  const tried: string[] = [];
  for (const file of target.identityFiles) {
    let key: Buffer;
    try {
      key = readFileSync(file);
    } catch (e) {
      tried.push(`key ${file} (unreadable: ${(e as NodeJS.ErrnoException).code ?? 'error'})`);
      continue;
    }
    const parsed = ssh2.utils.parseKey(key);
    if (parsed instanceof Error) {
      tried.push(`key ${file} (${/passphrase/i.test(parsed.message) ? 'encrypted; add it to ssh-agent' : 'not a key ssh2 can read'})`);
      continue;
    }
    methods.push({ type: 'publickey', username: target.user, key });
    tried.push(`key ${file}`);
  }
  if (agentSocket !== undefined && agentSocket !== '') {
    methods.push({ type: 'agent', username: target.user, agent: agentSocket });
    tried.push('ssh-agent');
  }
  if (target.password !== undefined) {
    methods.push({ type: 'password', username: target.user, password: target.password });
    tried.push('password');
  }
  return { methods, tried };
}

function hostKeyError(target: SshTarget, v: HostKeyVerdict): SshError {
  const who = `${target.host}:${String(target.port)}`;
  switch (v.kind) {
    case 'changed':
      return new SshError(
        'FTL_SSH_HOSTKEY_CHANGED',
        `WARNING: the host key of ${who} has CHANGED (now ${v.fingerprint}; ${v.file} has '${v.line}'); someone may be intercepting the connection; refused`,
        { host: target.name },
      );
    case 'revoked':
      return new SshError('FTL_SSH_HOSTKEY_CHANGED', `the host key of ${who} (${v.fingerprint}) is marked @revoked in ${v.file}; refused`, { host: target.name });
    case 'unknown':
      return new SshError('FTL_SSH_HOSTKEY_UNKNOWN', `the host key of ${who} (${v.fingerprint}) is not in ${target.knownHostsFiles[0] ?? 'known_hosts'}; check it and rerun with --accept-new to record it`, {
        host: target.name,
      });
    case 'known':
      return new SshError('FTL_SSH_CONNECT', `the host key of ${who} was refused`, { host: target.name });
  }
}

function isTransient(e: NodeJS.ErrnoException & { level?: string }): boolean {
  if (e.code === 'ECONNRESET' || e.code === 'EPIPE') return true;
  return /Connection lost before handshake|kex_exchange_identification|Connection reset/i.test(e.message);
}

function connectError(target: SshTarget, e: NodeJS.ErrnoException & { level?: string }, tried: readonly string[], timeoutMs: number): SshError {
  const who = describeTarget(target);
  if (e.level === 'client-authentication') {
    const what = tried.length === 0 ? 'no key, ssh-agent or password to offer' : `tried ${tried.join(', ')}`;
    return new SshError('FTL_SSH_AUTH', `${who} refused authentication (${what})`, { host: target.name, cause: e });
  }
  if (e.level === 'client-timeout') {
    return new SshError('FTL_SSH_CONNECT', `cannot connect to ${who}: no SSH handshake within ${String(timeoutMs / 1000)} s`, { host: target.name, cause: e });
  }
  const reason = e.code === 'ECONNREFUSED' ? 'connection refused' : e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN' ? 'unknown host name' : e.message;
  if (isTransient(e)) return transientError(target, `cannot connect to ${who}: ${reason}`, e);
  return new SshError('FTL_SSH_CONNECT', `cannot connect to ${who}: ${reason}`, { host: target.name, cause: e });
}

/**
 * One SSH connection to a target, through its ProxyJump hops (each hop a connection of
 * its own, ended with the final one). Host keys are always checked unless the policy is off.
 */
export async function connectTarget(target: SshTarget, opts: ConnectOptions): Promise<Client> {
  const hops: Client[] = [];
  try {
    let via: Client | undefined;
    for (const hop of target.jumps) {
      via = await connectOne(hop, opts, via);
      hops.push(via);
    }
    const client = await connectOne(target, opts, via);
    client.once('close', () => {
      for (const h of hops) h.end();
    });
    return client;
  } catch (e) {
    for (const h of hops) h.end();
    throw e;
  }
}

function forward(via: Client, target: SshTarget): Promise<ssh2.ClientChannel> {
  return new Promise((resolve, reject) => {
    via.forwardOut('127.0.0.1', 0, target.host, target.port, (err, stream) => {
      if (err !== undefined) {
        reject(new SshError('FTL_SSH_CONNECT', `cannot reach ${describeTarget(target)} through the jump host: ${err.message}`, { host: target.name, cause: err }));
        return;
      }
      resolve(stream);
    });
  });
}

async function connectOne(target: SshTarget, opts: ConnectOptions, via: Client | undefined): Promise<Client> {
  const sock = via === undefined ? undefined : await forward(via, target);
  const plan = authPlan(target, opts.agentSocket ?? process.env.SSH_AUTH_SOCK);
  let refused: SshError | undefined;
  const preferred = preferredHostKeyAlgorithms(target);
  const config: ConnectConfig = {
    host: target.host,
    port: target.port,
    username: target.user,
    readyTimeout: opts.connectTimeoutMs,
    keepaliveInterval: opts.keepaliveMs,
    keepaliveCountMax: 3,
    authHandler: plan.methods,
    hostVerifier: (key: Buffer): boolean => {
      if (target.hostKeyPolicy === 'off') return true;
      const verdict = checkHostKey([...target.knownHostsFiles, ...target.globalKnownHostsFiles], target.host, target.port, key);
      if (verdict.kind === 'known') return true;
      if (verdict.kind === 'unknown' && target.hostKeyPolicy === 'accept-new') {
        const file = target.knownHostsFiles[0];
        if (file !== undefined) {
          recordHostKey(file, target.host, target.port, key);
          return true;
        }
      }
      refused = hostKeyError(target, verdict);
      return false;
    },
    ...(preferred.length > 0 ? { algorithms: { serverHostKey: { prepend: preferred, append: [], remove: [] } } } : {}),
    ...(sock === undefined ? {} : { sock }),
  };
  const client = new ssh2.Client();
  return new Promise<Client>((resolve, reject) => {
    let settled = false;
    client.once('ready', () => {
      settled = true;
      client.removeAllListeners('error');
      // A connection that fails later is seen through its 'close'; an 'error' must not go unhandled.
      client.on('error', () => undefined);
      resolve(client);
    });
    client.on('error', (e: NodeJS.ErrnoException & { level?: string }) => {
      if (settled) return;
      settled = true;
      client.end();
      reject(refused ?? connectError(target, e, plan.tried, opts.connectTimeoutMs));
    });
    client.once('close', () => {
      if (settled) return;
      settled = true;
      reject(refused ?? transientError(target, `cannot connect to ${describeTarget(target)}: the connection closed during the handshake`));
    });
    client.connect(config);
  });
}
