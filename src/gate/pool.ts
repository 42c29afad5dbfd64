import type { GateTransport } from './transport.js';
import { GateSession, type HelloData, type SessionStatus } from './session.js';

export interface PoolEntryInfo {
  readonly key: string;
  readonly host: string;
  readonly status: SessionStatus;
  readonly hello: HelloData | undefined;
  readonly openedAt: number;
  readonly calls: number;
}

export interface GatePoolOptions {
  helloTimeoutMs?: number;
  keepaliveMs?: number;
}

/** What a gate is opened for: its key in the pool, and the host it runs on (for messages). */
export interface GateSpecBase {
  readonly key: string;
  readonly host: string;
}

/**
 * Open gates by key (the spec says what a key means, e.g. host and become user). Callers
 * asking for the same key at once share one opening (the first caller's spec opens it);
 * a gate that closes is forgotten so the next get opens anew.
 */
export class GatePool<S extends GateSpecBase = GateSpecBase> {
  private readonly sessions = new Map<string, GateSession>();
  private readonly opening = new Map<string, Promise<GateSession>>();

  constructor(
    private readonly openTransport: (spec: S) => Promise<GateTransport>,
    private readonly opts: GatePoolOptions = {},
  ) {}

  get(spec: S): Promise<GateSession> {
    const { key } = spec;
    const open = this.sessions.get(key);
    if (open !== undefined && open.status === 'ready') return Promise.resolve(open);
    const inFlight = this.opening.get(key);
    if (inFlight !== undefined) return inFlight;
    const p = this.open(spec).finally(() => {
      this.opening.delete(key);
    });
    this.opening.set(key, p);
    return p;
  }

  private async open(spec: S): Promise<GateSession> {
    const { key } = spec;
    const transport = await this.openTransport(spec);
    const session = await GateSession.open(transport, {
      host: spec.host,
      ...(this.opts.helloTimeoutMs === undefined ? {} : { helloTimeoutMs: this.opts.helloTimeoutMs }),
      ...(this.opts.keepaliveMs === undefined ? {} : { keepaliveMs: this.opts.keepaliveMs }),
    });
    this.sessions.set(key, session);
    session.once('close', () => {
      if (this.sessions.get(key) === session) this.sessions.delete(key);
    });
    return session;
  }

  list(): PoolEntryInfo[] {
    return [...this.sessions].map(([key, s]) => ({ key, host: s.host, status: s.status, hello: s.hello, openedAt: s.openedAt, calls: s.calls }));
  }

  async closeAll(): Promise<void> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all([...this.opening.values()].map((p) => p.then((s) => s.close(), () => undefined)));
    await Promise.all(all.map((s) => s.close()));
  }
}
