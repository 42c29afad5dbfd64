import { EventEmitter } from 'node:events';
import { deadline, withDeadline, type Settler } from '../base/deadline.js';
import { GateError, ProtocolError, FtlError } from '../base/errors.js';
import { encodeFrame, FrameDecoder, type GateMessage } from './codec.js';
import type { GateExit, GateTransport } from './transport.js';

export type GateClientStatus = 'connecting' | 'ready' | 'closing' | 'closed';

export interface HelloData {
  readonly capabilities: string[];
  readonly gate_hash: string;
  readonly pid?: number;
  readonly python_version?: string;
  readonly [k: string]: unknown;
}

export interface GateReply {
  readonly type: string;
  readonly data: Record<string, unknown>;
}

export interface RequestOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface GateClientOptions {
  host: string;
  helloTimeoutMs?: number;
  /** Stops waiting for Hello (and kills the starting gate) when it fires. */
  signal?: AbortSignal | undefined;
  /** Per request, unless the request says otherwise. */
  defaultTimeoutMs?: number;
  /** Send a Hello this often; an unanswered one (within the same time) marks the gate dead. */
  keepaliveMs?: number;
}

interface Pending {
  readonly what: string;
  readonly settler: Settler<GateReply>;
}

const STDERR_TAIL_BYTES = 2000;
/** How long a gate may take to exit after Goodbye and the end of its stdin before it is killed. */
const CLOSE_GRACE_MS = 2000;

function describeExit(e: GateExit): string {
  return e.signal !== null ? `killed by ${e.signal}` : `exited with code ${String(e.code)}`;
}

/**
 * One running gate: a handshake, then many requests in flight at once, matched by id.
 * Every request ends exactly once: its reply, its timeout, its abort, or the gate's end.
 */
/** A request in a user's words: the module it runs, not the protocol's message names. */
export function requestWords(type: string, data: Record<string, unknown>): string {
  if (typeof data.module_name === 'string') return `the ${data.module_name} module`;
  if (type === 'Hello') return "the gate's greeting";
  if (type === 'Shutdown') return "the gate's shutdown";
  return `the ${type} request`;
}

export class GateClient extends EventEmitter {
  readonly host: string;
  readonly openedAt = Date.now();
  hello: HelloData = { capabilities: [], gate_hash: '' };
  private statusValue: GateClientStatus = 'connecting';
  private readonly pendingById = new Map<number, Pending>();
  private nextId = 1;
  private callCount = 0;
  /** Requests that are work (not keepalive Hellos, not Shutdown): what a drain waits for. */
  private workIds = new Set<number>();
  private stderrTail = '';
  private readonly decoder = new FrameDecoder();
  private keepalive: NodeJS.Timeout | undefined;
  /** Set while the handshake waits: the Hello answer, or why there will be none. */
  private helloWaiter: Settler<GateMessage> | undefined;
  private readonly defaultTimeoutMs: number;

  private constructor(
    private readonly transport: GateTransport,
    opts: GateClientOptions,
  ) {
    super();
    this.host = opts.host;
    this.defaultTimeoutMs = opts.defaultTimeoutMs ?? 300_000;
    transport.stdout.on('data', (chunk: Buffer) => {
      this.onData(chunk);
    });
    transport.stdout.on('end', () => {
      try {
        this.decoder.end();
      } catch (e) {
        this.die(e as FtlError);
      }
    });
    transport.stderr.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL_BYTES);
    });
    transport.stdin.on('error', () => undefined);
    void transport.exited.then((exit) => {
      // Give stdout a moment to deliver the last replies before failing what is left.
      setImmediate(() => {
        this.die(new GateError('FTL_GATE_DIED', `gate ${describeExit(exit)}${this.stderrHint()}`, { host: this.host }));
      });
    });
  }

  static async open(transport: GateTransport, opts: GateClientOptions): Promise<GateClient> {
    const s = new GateClient(transport, opts);
    await s.handshake(opts.helloTimeoutMs ?? 30_000, opts.signal);
    if (opts.keepaliveMs !== undefined && opts.keepaliveMs > 0) s.startKeepalive(opts.keepaliveMs);
    return s;
  }

  get status(): GateClientStatus {
    return this.statusValue;
  }

  get pending(): number {
    return this.pendingById.size;
  }

  get calls(): number {
    return this.callCount;
  }

  /** Calls running on this gate now (keepalives and the shutdown not counted). */
  get running(): number {
    return this.workIds.size;
  }

  /**
   * Resolves once no call runs on this gate (at once when none does), or when it closes,
   * or after timeoutMs: a drain's wait. False when calls were still running at the timeout.
   */
  whenIdle(timeoutMs: number): Promise<boolean> {
    if (this.workIds.size === 0 || this.statusValue === 'closed') return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (idle: boolean): void => {
        clearTimeout(timer);
        this.off('idle', onIdle);
        this.off('close', onIdle);
        resolve(idle);
      };
      const onIdle = (): void => {
        done(true);
      };
      const timer = setTimeout(() => {
        done(this.workIds.size === 0);
      }, timeoutMs);
      this.on('idle', onIdle);
      this.on('close', onIdle);
    });
  }

  get label(): string {
    return this.transport.label;
  }

  /** The single place the status changes; 'close' is emitted once, on the way to closed. */
  private setStatus(next: GateClientStatus, err?: FtlError): void {
    if (this.statusValue === 'closed' || this.statusValue === next) return;
    this.statusValue = next;
    if (next === 'closed') {
      if (this.keepalive !== undefined) clearInterval(this.keepalive);
      this.emit('close', err);
    }
  }

  private stderrHint(): string {
    const lines = this.stderrTail.trim().split('\n').filter((l) => l.trim() !== '');
    if (lines.length === 0) return '';
    return `; its stderr ended with: ${lines.slice(-3).join(' | ').slice(-400)}`;
  }

  private async handshake(timeoutMs: number, signal: AbortSignal | undefined): Promise<void> {
    const notStarted = (why: string, cause?: unknown): FtlError =>
      this.transport.failure?.() ?? new GateError('FTL_GATE_START', `the gate (${this.transport.label}) ${why}${this.stderrHint()}`, { host: this.host, cause });
    const m = await deadline<GateMessage>(
      (s) => {
        this.helloWaiter = s;
        this.write(encodeFrame('Hello', { capabilities: ['multiplex', 'cancel'] }));
      },
      {
        ms: timeoutMs,
        signal,
        onTimeout: () => notStarted(`did not answer Hello within ${timeoutMs / 1000} s`),
        onAbort: () => notStarted(`did not answer Hello: ${signal?.reason instanceof Error ? signal.reason.message : 'the start was abandoned'}`, signal?.reason),
        cleanup: () => {
          this.helloWaiter = undefined;
        },
      },
    ).catch((e: unknown) => {
      // A gate that will not answer must not linger on the host.
      const err = e instanceof FtlError ? e : notStarted('could not start', e);
      this.die(err);
      this.transport.kill();
      throw err;
    });
    this.hello = (m.data ?? {}) as HelloData;
    this.setStatus('ready');
  }

  private startKeepalive(everyMs: number): void {
    this.keepalive = setInterval(() => {
      if (this.statusValue !== 'ready') return;
      this.request('Hello', { capabilities: ['multiplex', 'cancel'] }, { timeoutMs: everyMs }).catch((e: unknown) => {
        if (e instanceof GateError && e.code === 'FTL_GATE_TIMEOUT') {
          this.die(new GateError('FTL_GATE_DIED', `the gate stopped answering keepalives (none in ${everyMs / 1000} s)`, { host: this.host }));
          this.transport.kill();
        }
      });
    }, everyMs);
    this.keepalive.unref();
  }

  private write(frame: Buffer): void {
    if (this.transport.stdin.writable) this.transport.stdin.write(frame);
  }

  private onData(chunk: Buffer): void {
    let messages: GateMessage[];
    try {
      messages = this.decoder.push(chunk);
    } catch (e) {
      const err = e instanceof ProtocolError ? e : new GateError('FTL_GATE_DIED', String(e));
      this.die(new GateError('FTL_GATE_DIED', `the gate sent a bad frame: ${err.message}`, { host: this.host, cause: err }));
      this.transport.kill();
      return;
    }
    for (const m of messages) this.onMessage(m);
  }

  private onMessage(m: GateMessage): void {
    if (this.helloWaiter !== undefined && m.type === 'Hello' && m.id === undefined) {
      this.helloWaiter.resolve(m);
      return;
    }
    if (m.id === undefined) {
      this.emit('event', m);
      return;
    }
    const p = this.pendingById.get(m.id);
    // Replies to requests that timed out or were cancelled arrive late; they are dropped.
    if (p === undefined) return;
    const data = m.data !== null && typeof m.data === 'object' && !Array.isArray(m.data) ? (m.data as Record<string, unknown>) : { value: m.data };
    p.settler.resolve({ type: m.type, data });
  }

  private die(err: FtlError): void {
    if (this.statusValue === 'closed') return;
    this.helloWaiter?.reject(this.transport.failure?.() ?? new GateError('FTL_GATE_START', `the gate (${this.transport.label}) could not start: ${err.message}`, { host: this.host, cause: err }));
    const pending = [...this.pendingById.values()];
    this.pendingById.clear();
    this.setStatus('closed', err);
    for (const p of pending) {
      p.settler.reject(new GateError('FTL_GATE_DIED', `${p.what} stopped: ${err.message}`, { host: this.host, cause: err }));
    }
  }

  request(type: string, data: Record<string, unknown>, opts: RequestOptions = {}): Promise<GateReply> {
    const what = requestWords(type, data);
    if (this.statusValue !== 'ready') {
      return Promise.reject(new GateError('FTL_GATE_CLOSED', `cannot send ${what}: the gate is ${this.statusValue}`, { host: this.host }));
    }
    if (opts.signal?.aborted === true) {
      return Promise.reject(new GateError('FTL_CANCELLED', `${what} cancelled before it was sent`, { host: this.host }));
    }
    const id = this.nextId++;
    const timeoutMs = opts.timeoutMs ?? this.defaultTimeoutMs;
    this.callCount++;
    const work = type !== 'Hello' && type !== 'Shutdown';
    if (work) this.workIds.add(id);
    return deadline<GateReply>(
      (settler) => {
        this.pendingById.set(id, { what, settler });
        this.write(encodeFrame(type, data, id));
      },
      {
        ms: timeoutMs,
        signal: opts.signal,
        onTimeout: () => {
          this.cancel(id);
          return new GateError('FTL_GATE_TIMEOUT', `${what} did not finish within ${timeoutMs / 1000} s`, { host: this.host });
        },
        onAbort: () => {
          this.cancel(id);
          return new GateError('FTL_CANCELLED', `${what} cancelled`, { host: this.host });
        },
        cleanup: () => {
          this.pendingById.delete(id);
          if (work && this.workIds.delete(id) && this.workIds.size === 0) this.emit('idle');
        },
      },
    );
  }

  /** Asks the gate to stop a request (it kills the request's processes). Fire and forget. */
  private cancel(id: number): void {
    if (this.statusValue !== 'ready') return;
    this.write(encodeFrame('Cancel', { id }, this.nextId++));
  }

  /** Shutdown, wait for Goodbye (bounded), then make sure the process is gone. */
  async close(opts: { timeoutMs?: number } = {}): Promise<void> {
    if (this.statusValue === 'closed') return;
    const timeoutMs = opts.timeoutMs ?? 5000;
    if (this.statusValue === 'ready') {
      const bye = this.request('Shutdown', {}, { timeoutMs }).catch(() => undefined);
      this.setStatus('closing');
      await bye;
    }
    this.transport.stdin.end();
    const exited = await withDeadline(this.transport.exited, { ms: CLOSE_GRACE_MS }).then(
      () => true,
      () => false,
    );
    if (!exited) this.transport.kill();
    this.die(new GateError('FTL_GATE_CLOSED', 'the gate was shut down', { host: this.host }));
  }
}
