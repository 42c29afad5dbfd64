import ssh2 from 'ssh2';
import type { Client, ClientChannel, ConnectConfig } from 'ssh2';
import type { Duplex } from 'node:stream';
import { deadline } from '../base/deadline.js';
import { SshError } from '../base/errors.js';
import { authPlan, authSession, type AuthSession } from './auth.js';
import { hostKeyAlgorithms, verifyHostKey } from './host-keys.js';
import { spawnProxyCommand, type ProxyProcess } from './proxy-command.js';
import { describeTarget, type SshTarget } from './target.js';

/** The call's own deadline: no connection attempt outlives it. */
export interface CallDeadline {
  /** Epoch ms. */
  readonly at: number;
  /** The call's whole timeout, for messages. */
  readonly ms: number;
}

export interface ConnectOptions {
  keepaliveMs: number;
  deadline?: CallDeadline | undefined;
}

const transient = new WeakSet<SshError>();

/** What a refused login learned: the methods the server takes (undefined: it never said) and the prompts nobody answered. */
export interface AuthRefusal {
  readonly accepts: readonly string[] | undefined;
  readonly prompts: readonly string[];
}
const refusals = new WeakMap<SshError, AuthRefusal>();

/** The details of an FTL_SSH_AUTH error from connectTarget, when it came from a server's answer. */
export function authRefusal(e: unknown): AuthRefusal | undefined {
  return e instanceof SshError ? refusals.get(e) : undefined;
}

/** Whether a password (or a keyboard-interactive answer) could open this login: the server takes one. */
export function passwordMayHelp(r: AuthRefusal | undefined): boolean {
  return r?.accepts === undefined || r.accepts.includes('password') || r.accepts.includes('keyboard-interactive');
}

/** The server's methods in a user's words. */
function acceptsWords(accepts: readonly string[]): string {
  const words = accepts.map((m) => (m === 'publickey' ? 'keys' : m === 'keyboard-interactive' ? 'keyboard-interactive (prompts)' : m));
  return words.length === 1 ? `${words[0] ?? ''} only` : words.join(', ');
}

/** The refused-login error: what was offered, what the server takes, and a fix that fits. */
export function authError(target: SshTarget, tried: readonly string[], session: Pick<AuthSession, 'accepts' | 'unanswered'>, cause?: unknown): SshError {
  const accepts = session.accepts();
  const offered = tried.length === 0 ? 'no key, ssh-agent or password to offer' : `tried ${tried.join(', ')}`;
  const takes = accepts === undefined ? '' : `; the server accepts ${acceptsWords(accepts)}`;
  const refusal: AuthRefusal = { accepts, prompts: [...session.unanswered()] };
  const keysOnly = !passwordMayHelp(refusal);
  // Under IdentitiesOnly the agent only holds the identity files' keys: no key of its own.
  const agentKeys = target.agentSocket !== undefined && target.identitiesOnly !== true ? 1 : 0;
  const keys = target.identityFiles.length + agentKeys;
  const hint = keysOnly
    ? `it takes no password, so none is asked: ${keys === 0 ? 'make a key (ssh-keygen) and install it there (ssh-copy-id)' : `install ${keys > 1 ? 'one of those keys' : 'that key'} there (ssh-copy-id)`}, or name the right one (ansible_ssh_private_key_file, ssh-agent)`
    : undefined;
  // No address: the host is named by whoever shows this, and hosts refused alike read alike (one folded row).
  const e = new SshError('FTL_SSH_AUTH', `${target.user}'s login was refused (${offered})${takes}`, { host: target.name, cause, hint });
  refusals.set(e, refusal);
  return e;
}

/** Whether a retry may cure this connect error: sshd drops connections past MaxStartups, at random. */
export function isTransientConnectError(e: unknown): boolean {
  return e instanceof SshError && transient.has(e);
}

export function transientError(target: SshTarget, message: string, cause?: unknown): SshError {
  const e = new SshError('FTL_SSH_CONNECT', message, { host: target.name, cause });
  transient.add(e);
  return e;
}

function seconds(ms: number): string {
  return String(Math.round(ms / 100) / 10);
}

/** How long this attempt may take: the target's connect timeout, or what is left of the call's, whichever ends first. */
export interface AttemptBudget {
  readonly ms: number;
  /** For the message when it runs out. */
  readonly what: string;
}

export function attemptBudget(target: SshTarget, callDeadline: CallDeadline | undefined, now = Date.now()): AttemptBudget {
  const own = { ms: target.connectTimeoutMs, what: `${seconds(target.connectTimeoutMs)} s (the connect timeout: ansible_ssh_timeout, ansible_timeout or ConnectTimeout)` };
  if (callDeadline === undefined) return own;
  const left = callDeadline.at - now;
  return left < own.ms ? { ms: left, what: `${seconds(callDeadline.ms)} s (the call's timeout)` } : own;
}

function isTransient(e: NodeJS.ErrnoException & { level?: string }): boolean {
  if (e.code === 'ECONNRESET' || e.code === 'EPIPE') return true;
  return /Connection lost before handshake|kex_exchange_identification|Connection reset/i.test(e.message);
}

/** What the ProxyCommand did, for the message: its exit and its last words on stderr. */
function proxyWords(target: SshTarget, proxy: ProxyProcess): string {
  const exit = proxy.exit();
  const how = exit === undefined ? 'still running' : exit.code !== null ? `exited with code ${String(exit.code)}` : `killed by ${exit.signal ?? 'a signal'}`;
  const said = proxy.stderr();
  return `ProxyCommand '${target.proxyCommand ?? ''}' ${how}${said === '' ? '' : `: ${said}`}`;
}

function connectError(target: SshTarget, e: NodeJS.ErrnoException & { level?: string }, tried: readonly string[], session: AuthSession, proxy: ProxyProcess | undefined): SshError {
  const who = describeTarget(target);
  if (e.level === 'client-authentication') return authError(target, tried, session, e);
  if (proxy !== undefined) {
    const exit = proxy.exit();
    const message = `cannot connect to ${who}: ${/Connection lost before handshake/i.test(e.message) ? 'the connection closed before the SSH handshake' : e.message} (${proxyWords(target, proxy)})`;
    // A proxy that failed on its own says why; a retry would say it again.
    if (exit !== undefined && exit.code !== 0) return new SshError('FTL_SSH_CONNECT', message, { host: target.name, cause: e, hint: 'check the ProxyCommand (ansible_ssh_common_args or ~/.ssh/config): run it by hand' });
    return isTransient(e) ? transientError(target, message, e) : new SshError('FTL_SSH_CONNECT', message, { host: target.name, cause: e });
  }
  const reason = e.code === 'ECONNREFUSED' ? 'connection refused' : e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN' ? 'unknown host name' : e.message;
  if (isTransient(e)) return transientError(target, `cannot connect to ${who}: ${reason}`, e);
  return new SshError('FTL_SSH_CONNECT', `cannot connect to ${who}: ${reason}`, { host: target.name, cause: e });
}

/**
 * One SSH connection to a target, through its ProxyJump hops (each hop a connection of
 * its own, ended with the final one) or its ProxyCommand. Host keys are always checked
 * unless the policy is off. Each attempt ends by the target's connect timeout or the
 * call's deadline, whichever comes first.
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

function forward(via: Client, target: SshTarget, onStream: (s: ClientChannel) => void, onError: (e: SshError) => void): void {
  via.forwardOut('127.0.0.1', 0, target.host, target.port, (err, stream) => {
    if (err !== undefined) onError(new SshError('FTL_SSH_CONNECT', `cannot reach ${describeTarget(target)} through the jump host: ${err.message}`, { host: target.name, cause: err }));
    else onStream(stream);
  });
}

function connectOne(target: SshTarget, opts: ConnectOptions, via: Client | undefined): Promise<Client> {
  const budget = attemptBudget(target, opts.deadline);
  const who = describeTarget(target);
  if (budget.ms <= 0) return Promise.reject(new SshError('FTL_SSH_CONNECT', `cannot connect to ${who}: no time left within ${budget.what}`, { host: target.name }));
  const plan = authPlan(target);
  const session = authSession(target, plan, target.answers);
  const serverHostKey = hostKeyAlgorithms(target);
  const client = new ssh2.Client();
  let proxy: ProxyProcess | undefined;
  let refused: SshError | undefined;
  let handshaken = false;
  let failing = false;
  return deadline<Client>(
    (s) => {
      const fail = (e: NodeJS.ErrnoException & { level?: string }): void => {
        if (s.settled || failing) return;
        failing = true;
        client.destroy();
        if (refused !== undefined || proxy === undefined || e.level === 'client-authentication') {
          s.reject(refused ?? connectError(target, e, plan.tried, session, undefined));
          return;
        }
        // Its exit status and last words come a moment after the stream ends.
        const p = proxy;
        void p.exited(1000).then(() => {
          s.reject(connectError(target, e, plan.tried, session, p));
        });
      };
      client.on('error', fail);
      client.once('handshake', () => {
        handshaken = true;
      });
      client.once('close', () => {
        fail(Object.assign(new Error('Connection lost before handshake'), { level: 'client-socket' }));
      });
      client.once('ready', () => {
        // Later errors are seen through 'close'; the listener above stays so none goes unhandled.
        s.resolve(client);
      });
      const start = (sock: Duplex | undefined): void => {
        if (s.settled) {
          sock?.destroy();
          return;
        }
        const config: ConnectConfig = {
          host: target.host,
          port: target.port,
          username: target.user,
          // The deadline below is the only timer: ssh2's own would fire at its own time.
          readyTimeout: 0,
          keepaliveInterval: opts.keepaliveMs,
          keepaliveCountMax: 3,
          authHandler: session.handler,
          hostVerifier: (key: Buffer): boolean => {
            refused = verifyHostKey(target, key);
            return refused === undefined;
          },
          ...(serverHostKey === undefined ? {} : { algorithms: { serverHostKey } }),
          ...(sock === undefined ? {} : { sock }),
        };
        client.connect(config);
      };
      // Through the previous hop when there is one (a hop's own ProxyCommand serves only as the way to the first).
      if (via !== undefined) {
        forward(via, target, start, (e) => {
          s.reject(e);
        });
      } else if (target.proxyCommand !== undefined) {
        proxy = spawnProxyCommand(target.proxyCommand);
        start(proxy.sock);
      } else {
        start(undefined);
      }
    },
    {
      ms: budget.ms,
      onTimeout: () => {
        client.destroy();
        proxy?.sock.destroy();
        const what = handshaken ? 'the SSH login did not finish' : 'no SSH handshake';
        const said = proxy === undefined ? '' : ` (${proxyWords(target, proxy)})`;
        return new SshError('FTL_SSH_CONNECT', `cannot connect to ${who}: ${what} within ${budget.what}${said}`, { host: target.name });
      },
    },
  );
}
