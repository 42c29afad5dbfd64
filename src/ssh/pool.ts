import { availableParallelism } from 'node:os';
import type { Client, ClientChannel } from 'ssh2';
import { deadline } from '../base/deadline.js';
import { FtlError, SshError } from '../base/errors.js';
import type { AskPassword } from '../base/passwords.js';
import { isPasswordPrompt, promptKey } from './auth.js';
import { authRefusal, connectTarget, isTransientConnectError, passwordMayHelp, type CallDeadline, type ConnectOptions } from './connect.js';
import { describeTarget, targetKey, type SshTarget } from './target.js';

export interface SshPoolOptions {
  keepaliveMs: number;
  /** Session channels per connection; OpenSSH's MaxSessions is 10 by default, so stay under it. */
  maxChannelsPerConnection?: number;
  /**
   * New connections being set up at once over all hosts: a bound on the controller's
   * handshake CPU (default 8 per CPU, 16 to 128). The pace per sshd is maxConnectsPerServer.
   */
  maxConcurrentConnects?: number;
  /**
   * New connections being set up at once to one sshd (address and port): sshd's MaxStartups
   * (10:30:100 by default) starts dropping unauthenticated connections past 10. The window
   * halves when that sshd drops one, and grows back by one with each that gets through.
   */
  maxConnectsPerServer?: number;
  /**
   * Retries of a connection dropped during set-up (reset, throttled), with exponential
   * backoff; with a call deadline they go on while the next one can still finish in it.
   */
  connectRetries?: number;
  /** Asked when authentication fails and the inventory gives no password (again, up to 3 times, when the answer is refused). */
  askPassword?: AskPassword | undefined;
  /** Injectable for unit tests. */
  connect?: (target: SshTarget, opts: ConnectOptions) => Promise<Client>;
  sleep?: (ms: number) => Promise<void>;
}

interface ConnState {
  readonly key: string;
  /** The inventory name it was opened for: hosts sharing an address share its connection, and its errors. */
  readonly openedFor: string;
  used: number;
  limit: number;
  dead: boolean;
  client: Client | undefined;
}

type Conn = ConnState & { readonly ready: Promise<Client> };

/** A slot on a connection: release it when the channel opened in it closes. */
export interface ChannelLease {
  readonly client: Client;
  release(): void;
  /** The server refused a channel: no more on this connection. */
  markFull(): void;
}

export interface SshPoolStats {
  /** Connections opened since the pool was made (hops not counted). */
  connections: number;
  open: number;
  connectRetries: number;
}

/** What the caller of exec or lease is bound by. */
export interface LeaseOptions {
  /** The call's deadline: a connection opened for it gives up then. */
  deadline?: CallDeadline | undefined;
}

/**
 * A shared connection's failure, as this host's own: another inventory name for the same
 * address gets the error under its name (a jump host's error keeps the hop's).
 */
function forHost(e: unknown, openedFor: string, host: string): unknown {
  if (!(e instanceof SshError) || e.host !== openedFor || host === openedFor) return e;
  return new SshError(e.code, e.message, { host, cause: e.cause, hint: e.hint });
}

/** Slots handed over in turn; a waiter whose time runs out leaves the line. */
class Semaphore {
  private active = 0;
  private readonly waiting = new Set<() => void>();
  constructor(private max: number) {}

  get busy(): number {
    return this.active;
  }

  get limit(): number {
    return this.max;
  }

  /** A new size: slots freed by a larger one go to waiters at once; a smaller one takes effect as slots are released. */
  resize(max: number): void {
    this.max = Math.max(1, max);
    while (this.active < this.max && this.waiting.size > 0) {
      this.active++;
      this.handOver();
    }
  }

  private handOver(): void {
    const next = this.waiting.values().next();
    if (next.done === true) return;
    this.waiting.delete(next.value);
    next.value();
  }

  acquire(ms: number | undefined, onTimeout: () => Error): Promise<undefined> {
    if (this.active < this.max) {
      this.active++;
      return Promise.resolve(undefined);
    }
    if (ms !== undefined && ms <= 0) return Promise.reject(onTimeout());
    let go: (() => void) | undefined;
    return deadline<undefined>(
      (s) => {
        go = () => {
          s.resolve(undefined);
        };
        this.waiting.add(go);
      },
      {
        ms,
        onTimeout,
        cleanup: () => {
          if (go !== undefined) this.waiting.delete(go);
        },
      },
    );
  }

  /** The slot passes straight to the next waiter (nobody can slip in between), unless the window has shrunk below it. */
  release(): void {
    if (this.waiting.size === 0 || this.active > this.max) this.active--;
    else this.handOver();
  }

  get idle(): boolean {
    return this.active === 0 && this.waiting.size === 0;
  }
}

/**
 * New connections at once over all hosts when not set: 8 per CPU, 16 to 128. Each handshake
 * and login costs the controller CPU (key exchange, signatures in ssh2); far more at once than
 * it can do makes every one of them slow, and past ConnectTimeout all of them fail together
 * (measured: 50 logins at once on 2 loaded cores all took over 10 s).
 */
function defaultConnectWindow(): number {
  return Math.min(128, Math.max(16, 8 * availableParallelism()));
}

/** Where a connection is set up: the sshd that its MaxStartups applies to (the last hop's, through jump hosts). */
function serverKey(t: SshTarget): string {
  return `${t.host}:${String(t.port)}${t.proxyCommand === undefined ? '' : ` via ${t.proxyCommand}`}`;
}

/** Pause before retry `attempt` (0-based) of a dropped connection: doubling from 150 ms, at most 2 s, with jitter so retries do not come back as one burst. */
export function retryPause(attempt: number, random = Math.random): number {
  return Math.min(2000, 150 * 2 ** attempt) * (0.75 + random() * 0.5);
}

/**
 * SSH connections shared by key (user, address, port, hops). A connection carries at
 * most maxChannelsPerConnection channels at once; past that a second one is opened.
 */
export class SshConnectionPool {
  private readonly conns = new Map<string, Conn[]>();
  private readonly connectGate: Semaphore;
  /** One window per sshd with connections being set up; dropped once idle. */
  private readonly servers = new Map<string, Semaphore>();
  private readonly perServer: number;
  private readonly passwords = new Map<string, Promise<string>>();
  private opened = 0;
  private retries = 0;

  constructor(private readonly opts: SshPoolOptions) {
    this.connectGate = new Semaphore(opts.maxConcurrentConnects ?? defaultConnectWindow());
    this.perServer = opts.maxConnectsPerServer ?? 8;
  }

  stats(): SshPoolStats {
    let open = 0;
    for (const list of this.conns.values()) open += list.filter((c) => !c.dead && c.client !== undefined).length;
    return { connections: this.opened, open, connectRetries: this.retries };
  }

  /** A channel slot on a connection to the target, opening a connection when all are full. */
  async lease(target: SshTarget, opts: LeaseOptions = {}): Promise<ChannelLease> {
    const key = targetKey(target);
    const list = this.conns.get(key) ?? [];
    this.conns.set(key, list);
    let conn = list.find((c) => !c.dead && c.used < c.limit);
    if (conn === undefined) {
      conn = this.openConn(key, target, opts.deadline);
      list.push(conn);
    }
    const c = conn;
    c.used++;
    let client: Client;
    try {
      client = await c.ready;
    } catch (e) {
      c.used--;
      throw forHost(e, c.openedFor, target.name);
    }
    let released = false;
    return {
      client,
      release: () => {
        if (released) return;
        released = true;
        c.used--;
      },
      markFull: () => {
        c.limit = Math.max(1, c.used - 1);
      },
    };
  }

  /** Makes sure a connection to the target is up (opening one within the call's deadline when none is). */
  async ready(target: SshTarget, opts: LeaseOptions = {}): Promise<void> {
    (await this.lease(target, opts)).release();
  }

  /** Runs a command on a channel of its own; the slot is freed when the channel closes. */
  async exec(target: SshTarget, command: string, opts: LeaseOptions = {}): Promise<ClientChannel> {
    for (let attempt = 0; ; attempt++) {
      const lease = await this.lease(target, opts);
      try {
        const channel = await new Promise<ClientChannel>((resolve, reject) => {
          lease.client.exec(command, (err, ch) => {
            if (err !== undefined) reject(err);
            else resolve(ch);
          });
        });
        releaseOnClose(channel, lease);
        return channel;
      } catch (e) {
        lease.release();
        const msg = (e as Error).message;
        // The server's own session limit (MaxSessions lower than ours): use another connection.
        if (/open failed|administratively prohibited/i.test(msg) && attempt < 3) {
          lease.markFull();
          continue;
        }
        throw new SshError('FTL_SSH_CONNECT', `cannot open a channel to ${describeTarget(target)}: ${msg}`, { host: target.name, cause: e });
      }
    }
  }

  private openConn(key: string, target: SshTarget, callDeadline: CallDeadline | undefined): Conn {
    const conn: ConnState = { key, openedFor: target.name, used: 0, limit: this.opts.maxChannelsPerConnection ?? 8, dead: false, client: undefined };
    const ready = this.connectWithRetry(target, callDeadline).then(
      (client) => {
        this.opened++;
        conn.client = client;
        const forget = (): void => {
          conn.dead = true;
          const list = this.conns.get(key) ?? [];
          const i = list.findIndex((x) => x === conn);
          if (i >= 0) list.splice(i, 1);
        };
        client.once('close', forget);
        client.once('end', forget);
        return client;
      },
      (e: unknown) => {
        conn.dead = true;
        const list = this.conns.get(key) ?? [];
        const i = list.findIndex((x) => x === conn);
        if (i >= 0) list.splice(i, 1);
        throw e;
      },
    );
    // Nobody may be waiting when it fails (all leases gave up): no unhandled rejection.
    ready.catch(() => undefined);
    return Object.assign(conn, { ready });
  }

  private serverWindow(key: string): Semaphore {
    let w = this.servers.get(key);
    if (w === undefined) this.servers.set(key, (w = new Semaphore(this.perServer)));
    return w;
  }

  /**
   * One attempt, in turn with the other connections being set up to the same sshd (at most
   * its window at once) and over all hosts (at most maxConcurrentConnects). Different sshds
   * never wait for each other below the global bound. The window shrinks when this sshd
   * drops the attempt during set-up (MaxStartups) and grows back with each that gets through.
   */
  private async connectInTurn(target: SshTarget, callDeadline: CallDeadline | undefined): Promise<Client> {
    const key = serverKey(target);
    const server = this.serverWindow(key);
    const waitMs = (): number | undefined => (callDeadline === undefined ? undefined : callDeadline.at - Date.now());
    const gaveUp = (behind: number, where: string) => (): SshError => {
      const s = String(Math.round((callDeadline?.ms ?? 0) / 100) / 10);
      return new SshError('FTL_SSH_CONNECT', `cannot connect to ${describeTarget(target)}: no SSH connection within ${s} s (the call's timeout); it waited behind ${String(behind)} other connections being set up${where}`, {
        host: target.name,
      });
    };
    try {
      await server.acquire(waitMs(), gaveUp(server.busy, ' to the same sshd'));
    } catch (e) {
      if (server.idle) this.servers.delete(key);
      throw e;
    }
    try {
      await this.connectGate.acquire(waitMs(), gaveUp(this.connectGate.busy, ''));
      try {
        const client = await (this.opts.connect ?? connectTarget)(target, { keepaliveMs: this.opts.keepaliveMs, deadline: callDeadline });
        if (server.limit < this.perServer) server.resize(server.limit + 1);
        return client;
      } catch (e) {
        if (isTransientConnectError(e)) server.resize(Math.floor(server.limit / 2));
        throw e;
      } finally {
        this.connectGate.release();
      }
    } finally {
      server.release();
      if (server.idle && server.limit >= this.perServer) this.servers.delete(key);
    }
  }

  private async connectWithRetry(target: SshTarget, callDeadline: CallDeadline | undefined): Promise<Client> {
    const sleep = this.opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    // Within a deadline: retries go on while one can still finish in it (a bound all the same).
    const maxRetries = this.opts.connectRetries ?? (callDeadline === undefined ? 6 : 20);
    let t = target;
    let asked = 0;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.connectInTurn(t, callDeadline);
      } catch (e) {
        const pause = retryPause(attempt);
        // A retry that could not finish before the call gives up is not made.
        const timeLeft = callDeadline === undefined || callDeadline.at - Date.now() > pause;
        if (isTransientConnectError(e) && attempt < maxRetries && timeLeft) {
          this.retries++;
          await sleep(pause);
          continue;
        }
        // Only a password we asked for is asked again; one from the inventory is the inventory's to fix.
        // A server that takes neither passwords nor prompts is never asked about: the error says so at once.
        const refusal = authRefusal(e);
        const mayAsk = target.password === undefined && this.opts.askPassword !== undefined && asked < 3 && passwordMayHelp(refusal);
        if (mayAsk && e instanceof SshError && e.code === 'FTL_SSH_AUTH' && e.host === t.name) {
          asked++;
          const prompts = (refusal?.prompts ?? []).filter((p) => !isPasswordPrompt(p));
          // The password when it was refused or asked for (a prompt like "Password:"); other prompts by their own text.
          const needsPassword = prompts.length === 0 || (t.password === undefined && (refusal?.prompts ?? []).some(isPasswordPrompt));
          if (needsPassword) t = { ...t, password: await this.askPassword(t, e) };
          if (prompts.length > 0) {
            const answers = new Map(t.answers ?? []);
            for (const p of prompts) answers.set(promptKey(p), await this.askPassword(t, e, p));
            t = { ...t, answers };
          }
          continue;
        }
        throw e;
      }
    }
  }

  /** Shared by connections to the same user@host:port that fail at once: one question. */
  private async askPassword(t: SshTarget, authError: SshError, prompt?: string): Promise<string> {
    const who = prompt === undefined ? describeTarget(t) : `${describeTarget(t)}\0${promptKey(prompt)}`;
    const last = prompt === undefined ? t.password : t.answers?.get(promptKey(prompt));
    let p = this.passwords.get(who);
    // A refused answer is forgotten, unless someone asked anew already.
    if (p !== undefined && last !== undefined && (await p.catch(() => undefined)) === last) {
      if (this.passwords.get(who) === p) this.passwords.delete(who);
      p = undefined;
    }
    p ??= this.passwords.get(who);
    if (p === undefined) {
      const ask = this.opts.askPassword ?? (() => Promise.reject(new Error('no way to ask')));
      p = ask({ kind: 'ssh', user: t.user, host: t.host, refused: last, ...(prompt === undefined ? {} : { prompt }) });
      this.passwords.set(who, p);
      p.catch(() => {
        if (this.passwords.get(who) === p) this.passwords.delete(who);
      });
    }
    try {
      return await p;
    } catch (e) {
      if (e instanceof FtlError && e.code === 'FTL_CANCELLED') throw e;
      const why = e instanceof FtlError ? e : undefined;
      // The host is named once: the question's own words name it again.
      const said = why?.code === 'FTL_NO_TERMINAL' ? 'a password is needed, and there is no terminal to ask it on' : (why?.message ?? String(e));
      throw new SshError('FTL_SSH_AUTH', `${authError.message}; ${said}`, { host: t.name, cause: e, hint: why?.hint });
    }
  }

  /** Ends every connection (their channels close with them). */
  async closeAll(): Promise<void> {
    const all = [...this.conns.values()].flat();
    this.conns.clear();
    await Promise.all(
      all.map(async (c) => {
        c.dead = true;
        const client = await c.ready.catch(() => undefined);
        if (client === undefined) return;
        await new Promise<void>((resolve) => {
          const done = setTimeout(resolve, 2000);
          client.once('close', () => {
            clearTimeout(done);
            resolve();
          });
          client.end();
        });
      }),
    );
  }
}

/**
 * Out of exec() so the listener's closure holds the lease alone: one made inside would keep
 * exec's whole scope, the command text with it (a kilobyte of script), for as long as the
 * channel lives, on every host.
 */
function releaseOnClose(channel: ClientChannel, lease: ChannelLease): void {
  channel.once('close', () => {
    lease.release();
  });
}
