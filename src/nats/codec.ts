import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { FtlError } from '../base/errors.js';
import { HOST_STATUSES, type HostResult, type HostStatus } from '../base/types.js';

/**
 * The messages between a caller (the REPL, `ftl run`, a script) and `ftl worker`s over
 * NATS: JSON, one object per message, each with its kind and the protocol version.
 * docs/scale.md describes them; decode() refuses anything else (a message from another
 * version or another program on the same server is dropped, never half-read).
 */
export const PROTOCOL_VERSION = 1;

/** Subjects, under one prefix (default "ftl") so several fleets can share a server. */
export function subjects(prefix = 'ftl'): { heartbeat: string; hello: string; cancel: string; call: (worker: string) => string; results: (id: string) => string } {
  return {
    heartbeat: `${prefix}.hb`,
    hello: `${prefix}.hello`,
    cancel: `${prefix}.cancel`,
    call: (worker) => `${prefix}.call.${worker}`,
    results: (id) => `${prefix}.res.${id}`,
  };
}

/** A worker's name goes into a subject: letters, digits, - and _ only. */
export function validWorkerName(name: string): boolean {
  return /^[A-Za-z0-9_-]{1,64}$/.test(name);
}

/** Every interval, and at once when a caller says hello: who the worker is and which hosts it holds. */
export interface Heartbeat {
  kind: 'hb';
  v: number;
  worker: string;
  pid: number;
  /** How the worker chose its hosts (shard 2/3, hosts web*), for people reading `.workers`. */
  rule: string;
  hosts: string[];
  intervalMs: number;
  /** Calls running on the worker now. */
  calls: number;
}

/** What the caller asks for hello with: nothing but who asks. */
export interface Hello {
  kind: 'hello';
  v: number;
}

/** The call options a worker needs, already resolved by the caller (its defaults, .check, .become). */
export interface RemoteCallOptions {
  check: boolean;
  diff: boolean;
  become?: boolean | string | undefined;
  timeout: number;
  forks: number;
  maxOutput?: number | undefined;
  vars?: Record<string, unknown> | undefined;
  refresh?: boolean | undefined;
}

/** One call for one worker, on the hosts of the call that worker holds. */
export interface CallRequest {
  kind: 'call';
  v: number;
  id: string;
  worker: string;
  hosts: string[];
  /** The module as the user called it (short name or FQCN). */
  module: string;
  /** The args in clear when they hold no secret and no key is set; otherwise `sealed`. */
  args?: unknown;
  /** AES-256-GCM over { args, secrets } with the shared key (FTL_NATS_KEY). */
  sealed?: string | undefined;
  opts: RemoteCallOptions;
}

export interface CancelRequest {
  kind: 'cancel';
  v: number;
  id: string;
}

/** What a worker publishes on a call's result subject. */
export type CallEvent =
  | { kind: 'ack'; v: number; id: string; worker: string; hosts: string[] }
  | { kind: 'host'; v: number; id: string; worker: string; result: HostResult }
  | { kind: 'done'; v: number; id: string; worker: string; count: number }
  | { kind: 'error'; v: number; id: string; worker: string; status: HostStatus; message: string };

export type Message = Heartbeat | Hello | CallRequest | CancelRequest | CallEvent;

const enc = new TextEncoder();
const dec = new TextDecoder();

export function encode(m: Message): Uint8Array {
  return enc.encode(JSON.stringify(m));
}

const isStr = (v: unknown): v is string => typeof v === 'string';
const isStrArray = (v: unknown): v is string[] => Array.isArray(v) && v.every(isStr);
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isStatus = (v: unknown): v is HostStatus => HOST_STATUSES.includes(v as HostStatus);

function isHostResult(v: unknown): v is HostResult {
  return isObj(v) && isStr(v.host) && isStatus(v.status) && isObj(v.result) && isNum(v.startedMs) && isNum(v.durationMs);
}

function isCallOptions(v: unknown): v is RemoteCallOptions {
  return isObj(v) && typeof v.check === 'boolean' && typeof v.diff === 'boolean' && isNum(v.timeout) && isNum(v.forks);
}

/** The message, or undefined when it is not one of ours (wrong version, wrong shape, not JSON). */
export function decode(data: Uint8Array): Message | undefined {
  let m: unknown;
  try {
    m = JSON.parse(dec.decode(data));
  } catch {
    return undefined;
  }
  if (!isObj(m) || m.v !== PROTOCOL_VERSION) return undefined;
  const ok = ((): boolean => {
    switch (m.kind) {
      case 'hb':
        return isStr(m.worker) && isNum(m.pid) && isStr(m.rule) && isStrArray(m.hosts) && isNum(m.intervalMs) && isNum(m.calls);
      case 'hello':
        return true;
      case 'call':
        return isStr(m.id) && isStr(m.worker) && isStrArray(m.hosts) && isStr(m.module) && (m.args === undefined || m.args === null || isObj(m.args) || isStr(m.args)) && (m.sealed === undefined || isStr(m.sealed)) && isCallOptions(m.opts);
      case 'cancel':
        return isStr(m.id);
      case 'ack':
        return isStr(m.id) && isStr(m.worker) && isStrArray(m.hosts);
      case 'host':
        return isStr(m.id) && isStr(m.worker) && isHostResult(m.result);
      case 'done':
        return isStr(m.id) && isStr(m.worker) && isNum(m.count);
      case 'error':
        return isStr(m.id) && isStr(m.worker) && isStatus(m.status) && isStr(m.message);
      default:
        return false;
    }
  })();
  return ok ? (m as unknown as Message) : undefined;
}

/** What a sealed call carries: the args, and the values in them that are secrets (the worker masks them in results). */
export interface SealedArgs {
  args: unknown;
  secrets: string[];
}

function keyBytes(key: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(key, 'utf8'), Buffer.alloc(0), Buffer.from('ftl-nats-call-v1'), 32));
}

/** Sealed for one call id: a sealed body replayed under another id does not open. */
export function seal(key: string, id: string, body: SealedArgs): string {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', keyBytes(key), iv);
  c.setAAD(Buffer.from(id, 'utf8'));
  const out = Buffer.concat([c.update(JSON.stringify(body), 'utf8'), c.final()]);
  return Buffer.concat([iv, c.getAuthTag(), out]).toString('base64');
}

export function unseal(key: string, id: string, sealed: string): SealedArgs {
  try {
    const raw = Buffer.from(sealed, 'base64');
    const d = createDecipheriv('aes-256-gcm', keyBytes(key), raw.subarray(0, 12));
    d.setAAD(Buffer.from(id, 'utf8'));
    d.setAuthTag(raw.subarray(12, 28));
    const text = Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString('utf8');
    const body = JSON.parse(text) as unknown;
    if (!isObj(body) || !isStrArray(body.secrets)) throw new Error('bad shape');
    return { args: body.args, secrets: body.secrets };
  } catch (e) {
    throw new FtlError('FTL_NATS', 'a sealed call could not be opened: the worker\'s NATS key differs from the caller\'s', {
      cause: e,
      hint: 'give the caller and every worker the same FTL_NATS_KEY (or --nats-key-file)',
    });
  }
}
