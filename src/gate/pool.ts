import type { GateTransport, StartLimits } from './transport.js';
import { GateClient, type HelloData, type GateClientStatus } from './client.js';

export interface PoolEntryInfo {
  readonly key: string;
  readonly host: string;
  /** 'draining': taken out of use, finishing its running calls before it closes. */
  readonly status: GateClientStatus | 'draining';
  readonly hello: HelloData | undefined;
  readonly openedAt: number;
  readonly calls: number;
  /** Calls running on it now. */
  readonly running: number;
}

/** How long a drained gate may take to finish its running calls before it is shut down anyway (FTL2's controller waits 300 s too). */
export const DRAIN_TIMEOUT_MS = 300_000;

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

/**
 * A drained gate stays this long after its last call ends before it closes: a caller that
 * took it from the pool just before the drain sends its request within it (and the
 * module call that re-sends with the source after ModuleNotFound, on the same gate).
 */
const DRAIN_GRACE_MS = 250;

/** Waits until the gate has run nothing for DRAIN_GRACE_MS, or until timeoutMs has passed. */
async function settle(client: GateClient, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const left = end - Date.now();
    if (left <= 0) return;
    await client.whenIdle(left);
    if (client.status === 'closed' || Date.now() >= end) return;
    await new Promise((r) => setTimeout(r, Math.min(DRAIN_GRACE_MS, Math.max(0, end - Date.now()))));
    if (client.running === 0) return;
  }
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
  /** What each key was last opened for: a restart or an upgrade opens the same again. */
  private readonly specs = new Map<string, S>();
  /** Gates taken out of use that finish their running calls, then close. */
  private readonly draining = new Map<GateClient, { key: string; closed: Promise<void> }>();
  /** Told of each gate the pool opens (a first one, or one after a restart, an upgrade, a death). */
  private readonly openedListeners = new Set<(key: string, client: GateClient) => void>();

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
    this.specs.set(key, spec);
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
    for (const fn of [...this.openedListeners]) {
      try {
        fn(key, client);
      } catch {
        // A listener's trouble is its own: the gate is open for its caller all the same.
      }
    }
    return client;
  }

  /** Calls fn with each gate opened from now on; returns what stops it. */
  onOpened(fn: (key: string, client: GateClient) => void): () => void {
    this.openedListeners.add(fn);
    return () => {
      this.openedListeners.delete(fn);
    };
  }

  list(): PoolEntryInfo[] {
    const info = (key: string, s: GateClient, draining: boolean): PoolEntryInfo => ({
      key,
      host: s.host,
      status: draining && s.status !== 'closed' ? 'draining' : s.status,
      hello: s.hello,
      openedAt: s.openedAt,
      calls: s.calls,
      running: s.running,
    });
    return [...[...this.clients].map(([key, s]) => info(key, s, false)), ...[...this.draining].map(([s, d]) => info(d.key, s, true))];
  }

  /** The keys of the gates open now (not the draining ones). */
  keys(): string[] {
    return [...this.clients.keys()];
  }

  /** The gate open for a key now, if any. */
  client(key: string): GateClient | undefined {
    return this.clients.get(key);
  }

  /**
   * Takes the key's gate out of use: the next get opens a new one, while this one finishes
   * the calls it runs (up to timeoutMs) and then shuts down. Resolves with the number of
   * calls it was running, once it is closed (immediately with 0 when the key has no gate).
   */
  drain(key: string, timeoutMs: number = DRAIN_TIMEOUT_MS): { running: number; closed: Promise<void> } {
    const client = this.clients.get(key);
    if (client === undefined) return { running: 0, closed: Promise.resolve() };
    this.clients.delete(key);
    const running = client.running;
    const closed = settle(client, timeoutMs).then(() => client.close());
    this.draining.set(client, { key, closed });
    void closed.finally(() => this.draining.delete(client));
    return { running, closed };
  }

  /** Resolves when every gate draining now has closed. */
  async drained(): Promise<void> {
    await Promise.all([...this.draining.values()].map((d) => d.closed));
  }

  /** Opens the key's gate again as it was opened last (a restart, an upgrade); undefined when the key never had one. */
  reopen(key: string, o: GetOptions = {}): Promise<GateClient> | undefined {
    const spec = this.specs.get(key);
    return spec === undefined ? undefined : this.get(spec, o);
  }

  /** Closes every gate; gates still starting are abandoned (what they started on hosts is killed). */
  async closeAll(): Promise<void> {
    const all = [...this.clients.values(), ...this.draining.keys()];
    this.clients.clear();
    this.draining.clear();
    const openings = [...this.opening.values()];
    for (const o of openings) o.abort.abort();
    await Promise.all(openings.map((o) => o.client.then((s) => s.close(), () => undefined)));
    await Promise.all(all.map((s) => s.close()));
  }
}
