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
  /** New connections being set up at once, over all hosts (sshd's MaxStartups drops bursts). */
  maxConcurrentConnects?: number;
  /** Retries of a connection dropped during set-up, with exponential backoff. */
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
  constructor(private readonly max: number) {}

  get busy(): number {
    return this.active;
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

  /** The slot passes straight to the next waiter, so nobody can slip in between. */
  release(): void {
    const next = this.waiting.values().next();
    if (next.done === true) this.active--;
    else {
      this.waiting.delete(next.value);
      next.value();
    }
  }
}

/**
 * SSH connections shared by key (user, address, port, hops). A connection carries at
 * most maxChannelsPerConnection channels at once; past that a second one is opened.
 */
export class SshConnectionPool {
  private readonly conns = new Map<string, Conn[]>();
  private readonly connectGate: Semaphore;
  private readonly passwords = new Map<string, Promise<string>>();
  private opened = 0;
  private retries = 0;

  constructor(private readonly opts: SshPoolOptions) {
    this.connectGate = new Semaphore(opts.maxConcurrentConnects ?? 8);
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

  /** One attempt, in turn with the other connections being set up (at most maxConcurrentConnects at once). */
  private async connectInTurn(target: SshTarget, callDeadline: CallDeadline | undefined): Promise<Client> {
    const waitMs = callDeadline === undefined ? undefined : callDeadline.at - Date.now();
    await this.connectGate.acquire(waitMs, () => {
      const s = String(Math.round((callDeadline?.ms ?? 0) / 100) / 10);
      return new SshError('FTL_SSH_CONNECT', `cannot connect to ${describeTarget(target)}: no SSH connection within ${s} s (the call's timeout); it waited behind ${String(this.connectGate.busy)} other connections being set up`, {
        host: target.name,
      });
    });
    try {
      return await (this.opts.connect ?? connectTarget)(target, { keepaliveMs: this.opts.keepaliveMs, deadline: callDeadline });
    } finally {
      this.connectGate.release();
    }
  }

  private async connectWithRetry(target: SshTarget, callDeadline: CallDeadline | undefined): Promise<Client> {
    const sleep = this.opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    const maxRetries = this.opts.connectRetries ?? 4;
    let t = target;
    let asked = 0;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.connectInTurn(t, callDeadline);
      } catch (e) {
        const pause = 150 * 2 ** attempt + Math.random() * 100;
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
