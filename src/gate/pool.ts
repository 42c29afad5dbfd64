import type { GateTransport, StartLimits } from './transport.js';
import { GateClient, type HelloData, type GateClientStatus } from './client.js';

export interface PoolEntryInfo {
  readonly key: string;
  readonly host: string;
  readonly status: GateClientStatus;
  readonly hello: HelloData | undefined;
  readonly openedAt: number;
  readonly calls: number;
}

export interface GatePoolOptions {
  /** The most the wait for Hello may take, whatever the caller's timeout (default 30 s). */
  helloTimeoutMs?: number;
  keepaliveMs?: number;
}

/** What a gate is opened for: its key in the pool, and the host it runs on (for messages). */
export interface GateSpecBase {
  readonly key: string;
  readonly host: string;
}

/** One gate being opened, shared by every caller that asks for its key meanwhile. */
interface Opening {
  readonly client: Promise<GateClient>;
  /** The longest start step any of its callers allows (their timeouts). */
  readonly budget: { ms: number };
  readonly abort: AbortController;
}

export interface GetOptions {
  /** The caller's own timeout: a start step takes at most this long, the wait for Hello too (and at most helloTimeoutMs). */
  timeoutMs?: number | undefined;
}

/** A start step's bound for callers that give no timeout: a start that hangs must end some time. */
const DEFAULT_STEP_MS = 120_000;
const DEFAULT_HELLO_MS = 30_000;

/**
 * Open gates by key (the spec says what a key means, e.g. host and become user). Callers
 * asking for the same key at once share one opening (the first caller's spec opens it);
 * a gate that closes is forgotten so the next get opens anew.
 */
export class GatePool<S extends GateSpecBase = GateSpecBase> {
  private readonly clients = new Map<string, GateClient>();
  private readonly opening = new Map<string, Opening>();

  constructor(
    private readonly openTransport: (spec: S, limits: StartLimits) => Promise<GateTransport>,
    private readonly opts: GatePoolOptions = {},
  ) {}

  get(spec: S, o: GetOptions = {}): Promise<GateClient> {
    const { key } = spec;
    const open = this.clients.get(key);
    if (open !== undefined && open.status === 'ready') return Promise.resolve(open);
    const budget = o.timeoutMs ?? DEFAULT_STEP_MS;
    const inFlight = this.opening.get(key);
    if (inFlight !== undefined) {
      // A caller that allows longer lets the steps still to come take longer.
      inFlight.budget.ms = Math.max(inFlight.budget.ms, budget);
      return inFlight.client;
    }
    const abort = new AbortController();
    const box = { ms: budget };
    const helloCap = this.opts.helloTimeoutMs ?? DEFAULT_HELLO_MS;
    const limits: StartLimits = {
      get timeoutMs() {
        return box.ms;
      },
      // As long as the call allows, but never longer than Hello ever took to fail.
      get helloTimeoutMs() {
        return Math.min(box.ms, helloCap);
      },
      signal: abort.signal,
    };
    const client = this.open(spec, limits).finally(() => {
      this.opening.delete(key);
    });
    this.opening.set(key, { client, budget: box, abort });
    return client;
  }

  private async open(spec: S, limits: StartLimits): Promise<GateClient> {
    const { key } = spec;
    const transport = await this.openTransport(spec, limits);
    const client = await GateClient.open(transport, {
      host: spec.host,
      helloTimeoutMs: limits.helloTimeoutMs,
      signal: limits.signal,
      ...(this.opts.keepaliveMs === undefined ? {} : { keepaliveMs: this.opts.keepaliveMs }),
    });
    this.clients.set(key, client);
    client.once('close', () => {
      if (this.clients.get(key) === client) this.clients.delete(key);
    });
    return client;
  }

  list(): PoolEntryInfo[] {
    return [...this.clients].map(([key, s]) => ({ key, host: s.host, status: s.status, hello: s.hello, openedAt: s.openedAt, calls: s.calls }));
  }

  /** Closes every gate; gates still starting are abandoned (what they started on hosts is killed). */
  async closeAll(): Promise<void> {
    const all = [...this.clients.values()];
    this.clients.clear();
    const openings = [...this.opening.values()];
    for (const o of openings) o.abort.abort();
    await Promise.all(openings.map((o) => o.client.then((s) => s.close(), () => undefined)));
    await Promise.all(all.map((s) => s.close()));
  }
}
