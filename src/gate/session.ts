import { EventEmitter } from 'node:events';
import { GateError, ProtocolError, FtlError } from '../base/errors.js';
import { encodeFrame, FrameDecoder, type GateMessage } from './codec.js';
import type { GateExit, GateTransport } from './transport.js';

export type SessionStatus = 'connecting' | 'ready' | 'closing' | 'closed';

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

export interface SessionOptions {
  host: string;
  helloTimeoutMs?: number;
  /** Per request, unless the request says otherwise. */
  defaultTimeoutMs?: number;
  /** Send a Hello this often; an unanswered one (within the same time) marks the gate dead. */
  keepaliveMs?: number;
}

interface Pending {
  readonly type: string;
  readonly what: string;
  settle(reply: GateReply | undefined, err: FtlError | undefined): void;
}

const STDERR_TAIL_BYTES = 2000;

function describeExit(e: GateExit): string {
  return e.signal !== null ? `killed by ${e.signal}` : `exited with code ${String(e.code)}`;
}

/**
 * One running gate: a handshake, then many requests in flight at once, matched by id.
 * Every request ends exactly once: its reply, its timeout, its abort, or the gate's end.
 */
export class GateSession extends EventEmitter {
  readonly host: string;
  readonly openedAt = Date.now();
  hello: HelloData = { capabilities: [], gate_hash: '' };
  private statusValue: SessionStatus = 'connecting';
  private readonly pendingById = new Map<number, Pending>();
  private nextId = 1;
  private callCount = 0;
  private stderrTail = '';
  private readonly decoder = new FrameDecoder();
  private keepalive: NodeJS.Timeout | undefined;
  private helloWaiter: ((m: GateMessage | undefined, e?: FtlError) => void) | undefined;
  private readonly defaultTimeoutMs: number;

  private constructor(
    private readonly transport: GateTransport,
    opts: SessionOptions,
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

  static async open(transport: GateTransport, opts: SessionOptions): Promise<GateSession> {
    const s = new GateSession(transport, opts);
    await s.handshake(opts.helloTimeoutMs ?? 30_000);
    if (opts.keepaliveMs !== undefined && opts.keepaliveMs > 0) s.startKeepalive(opts.keepaliveMs);
    return s;
  }

  get status(): SessionStatus {
    return this.statusValue;
  }

  get pending(): number {
    return this.pendingById.size;
  }

  get calls(): number {
    return this.callCount;
  }

  get label(): string {
    return this.transport.label;
  }

  /** The single place the status changes; 'close' is emitted once, on the way to closed. */
  private setStatus(next: SessionStatus, err?: FtlError): void {
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

  private handshake(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.helloWaiter = undefined;
        const err = this.transport.failure?.() ?? new GateError('FTL_GATE_START', `the gate (${this.transport.label}) did not answer Hello within ${timeoutMs / 1000} s${this.stderrHint()}`, { host: this.host });
        this.die(err);
        this.transport.kill();
        reject(err);
      }, timeoutMs);
      this.helloWaiter = (m, e) => {
        clearTimeout(timer);
        this.helloWaiter = undefined;
        if (m === undefined) {
          reject(
            this.transport.failure?.() ??
              new GateError('FTL_GATE_START', `the gate (${this.transport.label}) could not start: ${e?.message ?? 'no answer'}`, {
                host: this.host,
                cause: e,
              }),
          );
          return;
        }
        this.hello = (m.data ?? {}) as HelloData;
        this.setStatus('ready');
        resolve();
      };
      this.write(encodeFrame('Hello', { capabilities: ['multiplex', 'cancel'] }));
    });
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
      this.helloWaiter(m);
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
    p.settle({ type: m.type, data }, undefined);
  }

  private die(err: FtlError): void {
    if (this.statusValue === 'closed') return;
    this.helloWaiter?.(undefined, err);
    const pending = [...this.pendingById.values()];
    this.pendingById.clear();
    this.setStatus('closed', err);
    for (const p of pending) {
      p.settle(undefined, new GateError('FTL_GATE_DIED', `${p.what} failed: ${err.message}`, { host: this.host, cause: err }));
    }
  }

  request(type: string, data: Record<string, unknown>, opts: RequestOptions = {}): Promise<GateReply> {
    const what = typeof data.module_name === 'string' ? `${type} ${data.module_name}` : type;
    if (this.statusValue !== 'ready') {
      return Promise.reject(new GateError('FTL_GATE_CLOSED', `cannot send ${what}: the gate is ${this.statusValue}`, { host: this.host }));
    }
    if (opts.signal?.aborted === true) {
      return Promise.reject(new GateError('FTL_CANCELLED', `${what} cancelled before it was sent`, { host: this.host }));
    }
    const id = this.nextId++;
    const timeoutMs = opts.timeoutMs ?? this.defaultTimeoutMs;
    this.callCount++;
    return new Promise<GateReply>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const signal = opts.signal;
      const onAbort = (): void => {
        this.cancel(id);
        pending.settle(undefined, new GateError('FTL_CANCELLED', `${what} cancelled`, { host: this.host }));
      };
      const pending: Pending = {
        type,
        what,
        settle: (reply, err) => {
          this.pendingById.delete(id);
          if (timer !== undefined) clearTimeout(timer);
          timer = undefined;
          signal?.removeEventListener('abort', onAbort);
          pending.settle = () => undefined;
          if (err !== undefined) reject(err);
          else if (reply !== undefined) resolve(reply);
        },
      };
      this.pendingById.set(id, pending);
      timer = setTimeout(() => {
        this.cancel(id);
        pending.settle(undefined, new GateError('FTL_GATE_TIMEOUT', `${what} did not finish within ${timeoutMs / 1000} s`, { host: this.host }));
      }, timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.write(encodeFrame(type, data, id));
    });
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
    let grace: NodeJS.Timeout | undefined;
    const exited = await Promise.race([
      this.transport.exited.then(() => true),
      new Promise<boolean>((r) => {
        grace = setTimeout(() => {
          r(false);
        }, 2000);
      }),
    ]);
    clearTimeout(grace);
    if (!exited) this.transport.kill();
    this.die(new GateError('FTL_GATE_CLOSED', 'the gate was shut down', { host: this.host }));
  }
}
