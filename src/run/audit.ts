/**
 * The audit trail: one JSON line per call in ~/.ftl/audit/YYYY-MM-DD.jsonl (FTL_AUDIT_DIR
 * overrides), written with one write() on an O_APPEND descriptor so that several ftl
 * processes at once never interleave parts of lines. Field names follow FTL2's record
 * (session_id, module, params, changed, duration, policy decision) where it has one.
 */
import { closeSync, mkdirSync, openSync, writeSync, chmodSync, statSync } from 'node:fs';
import { homedir, hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { FtlError } from '../base/errors.js';
import { MASK } from '../base/secrets.js';
import type { HostResult } from '../base/types.js';
import type { RunResult } from './result.js';

/** What a policy (or the blast-radius guard) decided about a call. */
export interface AuditDecision {
  /** permitted: no rule applied; denied; confirmed (asked, or --yes); refused (no one to ask); declined (the person said no). */
  readonly decision: 'permitted' | 'denied' | 'confirmed' | 'refused' | 'declined';
  readonly rule?: string | undefined;
  readonly reason?: string | undefined;
}

export interface AuditHost {
  readonly host: string;
  readonly status: string;
  readonly changed: boolean;
  readonly rc?: number;
  /** Seconds, as FTL2's duration. */
  readonly duration: number;
  readonly msg?: string;
  readonly diff?: unknown;
  /** After a failure: the commands looked at, their rc and the first line of each answer. */
  readonly observations?: readonly { command: string; rc: number; output: string }[];
}

export interface AuditEntry {
  readonly event: 'call';
  readonly timestamp: string;
  readonly session_id: string;
  readonly user: string;
  readonly controller: string;
  readonly pattern: string;
  readonly hosts: readonly string[];
  readonly module: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly check_mode: boolean;
  readonly diff: boolean;
  readonly become: string | boolean | null;
  readonly environment?: string | undefined;
  readonly options?: Readonly<Record<string, unknown>> | undefined;
  readonly policy: AuditDecision;
  readonly success: boolean;
  readonly duration: number;
  readonly results: readonly AuditHost[];
}

/** Header and option names whose values are credentials wherever they appear (as FTL2 masks them for uri and get_url). */
const CREDENTIAL_KEYS = new Set(['authorization', 'x-api-key', 'x-auth-token', 'cookie', 'proxy-authorization', 'bearer_token', 'url_password', 'password', 'api_key', 'token']);

function maskCredentials(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(maskCredentials);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, CREDENTIAL_KEYS.has(k.toLowerCase()) && x !== undefined && x !== null && x !== '' ? MASK : maskCredentials(x)]));
}

const MSG_MAX = 200;
const DIFF_MAX = 64 * 1024;

function firstLine(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const line = v.trim().split('\n')[0]?.trim() ?? '';
  return line === '' ? undefined : line;
}

/** A short message for one host: the module's msg, else the first line of stderr or stdout. */
function shortMessage(r: Readonly<Record<string, unknown>>): string | undefined {
  const text = firstLine(r.msg) ?? firstLine(r.stderr) ?? firstLine(r.stdout);
  if (text === undefined) return undefined;
  return text.length > MSG_MAX ? `${text.slice(0, MSG_MAX - 1)}…` : text;
}

function diffOf(r: Readonly<Record<string, unknown>>): unknown {
  const d = r.diff;
  if (d === undefined || d === null) return undefined;
  if (Array.isArray(d) && d.length === 0) return undefined;
  const text = JSON.stringify(d);
  // A huge diff would make a line several ftl processes can no longer append whole.
  return text.length > DIFF_MAX ? { truncated: true, bytes: text.length } : d;
}

export function auditHost(h: HostResult): AuditHost {
  const r = h.result;
  const rc = typeof r.rc === 'number' ? r.rc : undefined;
  const msg = shortMessage(r);
  const diff = diffOf(r);
  return {
    host: h.host,
    status: h.status,
    changed: r.changed === true,
    ...(rc === undefined ? {} : { rc }),
    duration: Math.round(h.durationMs) / 1000,
    ...(msg === undefined ? {} : { msg }),
    ...(diff === undefined ? {} : { diff }),
    ...(h.observations === undefined || h.observations.length === 0
      ? {}
      : { observations: h.observations.map((o) => ({ command: o.command, rc: o.rc, output: shortMessage({ msg: o.output }) ?? '' })) }),
  };
}

export interface AuditCall {
  readonly pattern: string;
  readonly hosts: readonly string[];
  readonly module: string;
  /** Already masked by value (no_log options, the session's secrets). */
  readonly params: Readonly<Record<string, unknown>>;
  readonly check: boolean;
  readonly diff: boolean;
  readonly become: string | boolean | undefined;
  readonly environment?: string | undefined;
  readonly options?: Readonly<Record<string, unknown>> | undefined;
  readonly policy: AuditDecision;
  readonly result?: RunResult | undefined;
  readonly startedAt: Date;
  readonly durationMs: number;
}

/** Where the audit goes: FTL_AUDIT_DIR, else ~/.ftl/audit. */
export function auditDir(env: NodeJS.ProcessEnv = process.env): string {
  const d = env.FTL_AUDIT_DIR;
  return d !== undefined && d !== '' ? d : join(homedir(), '.ftl', 'audit');
}

function day(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${String(d.getFullYear())}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

export function auditFileFor(dir: string, d: Date): string {
  return join(dir, `${day(d)}.jsonl`);
}

/** Appends whole lines to the audit trail of one session. */
export class AuditLog {
  readonly sessionId = randomUUID();
  private readonly user: string;
  private readonly controller = hostname();
  private ready = false;

  constructor(readonly dir: string = auditDir()) {
    let user: string;
    try {
      user = userInfo().username;
    } catch {
      user = process.env.USER ?? String(process.getuid?.() ?? '?');
    }
    this.user = user;
  }

  /** Makes sure the directory is there (0700) before a call touches any host: a call that cannot be recorded does not run. */
  prepare(): void {
    if (this.ready) return;
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      // mkdir's mode is cut by the umask and leaves an existing directory alone: say it once more.
      if ((statSync(this.dir).mode & 0o077) !== 0) chmodSync(this.dir, 0o700);
    } catch (e) {
      throw new FtlError('FTL_AUDIT', `cannot create the audit directory ${this.dir}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    this.ready = true;
  }

  entry(c: AuditCall): AuditEntry {
    const r = c.result;
    return {
      event: 'call',
      timestamp: c.startedAt.toISOString(),
      session_id: this.sessionId,
      user: this.user,
      controller: this.controller,
      pattern: c.pattern,
      hosts: c.hosts,
      module: c.module,
      params: maskCredentials(c.params) as Record<string, unknown>,
      check_mode: c.check,
      diff: c.diff,
      become: c.become ?? null,
      ...(c.environment === undefined ? {} : { environment: c.environment }),
      ...(c.options === undefined || Object.keys(c.options).length === 0 ? {} : { options: c.options }),
      policy: c.policy,
      success: r !== undefined && r.success,
      duration: Math.round(c.durationMs) / 1000,
      results: r === undefined ? [] : r.hosts.map(auditHost),
    };
  }

  /** One line, one write(): O_APPEND puts it whole at the end, whatever other processes append. */
  append(c: AuditCall): void {
    this.prepare();
    const line = Buffer.from(`${JSON.stringify(this.entry(c))}\n`, 'utf8');
    const file = auditFileFor(this.dir, c.startedAt);
    let fd: number;
    try {
      fd = openSync(file, 'a', 0o600);
    } catch (e) {
      throw new FtlError('FTL_AUDIT', `cannot open the audit file ${file}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    try {
      let off = 0;
      // One write() is the rule; a short write (a full disk) is finished rather than left torn.
      while (off < line.length) off += writeSync(fd, line, off, line.length - off);
    } catch (e) {
      throw new FtlError('FTL_AUDIT', `cannot write the audit file ${file}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    } finally {
      closeSync(fd);
    }
  }
}
