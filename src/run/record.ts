/**
 * Record and replay (FTL2's record/replay, as JSON lines): each call is one line with its
 * pattern, module, args (named secrets as references, every other secret masked),
 * check/diff/become and, per host, FTL2's action fields (module, host, params, success,
 * changed, duration, timestamp, error). Replay runs the calls again in order, skipping the
 * hosts on which a call already succeeded with the same module and args, and appends its
 * own lines (replayed: true) to the same file, so that a replay after a failure resumes
 * where it stopped.
 */
import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { FtlError } from '../base/errors.js';
import { mapDeep } from '../base/map-deep.js';
import { MASK, type SecretValues } from '../base/secrets.js';
import { Secret } from '../base/secret-value.js';
import type { RunResult } from './result.js';

/** A named secret in a recorded call: replay takes the value from the session's secret of that name, never from the file. */
export interface SecretRef {
  readonly $secret: string;
}

/** FTL2's action, one per host. */
export interface RecordAction {
  readonly module: string;
  readonly host: string;
  readonly params: unknown;
  readonly success: boolean;
  readonly changed: boolean;
  readonly status: string;
  readonly duration: number;
  readonly timestamp: number;
  readonly error?: string;
}

export interface RecordLine {
  readonly event: 'call';
  readonly version: 1;
  /** The call's place in the recording; replayed lines repeat the seq of the call they ran again. */
  readonly seq: number;
  readonly timestamp: string;
  readonly session_id: string;
  readonly pattern: string;
  readonly hosts: readonly string[];
  readonly module: string;
  readonly params: unknown;
  readonly check_mode: boolean;
  readonly diff: boolean;
  readonly become: string | boolean | null;
  readonly success: boolean;
  readonly replayed?: boolean;
  readonly actions: readonly RecordAction[];
}

/** The args as recorded: named secrets as { $secret: NAME }, every other secret the session knows masked by value. */
export function recordedParams(args: unknown, secrets: SecretValues, extra: readonly string[] = []): unknown {
  const withRefs = mapDeep(args, (v) => (Secret.is(v) ? { $secret: v.name } : v), (v) => Object.prototype.toString.call(v) === '[object Object]');
  // Plain JSON (objects typed in the REPL come from another realm), then masked by value.
  const plain = withRefs === undefined ? {} : (JSON.parse(JSON.stringify(withRefs)) as unknown);
  return secrets.mask(plain, extra);
}

/** A stable text of args, for comparing a call with its record (key order does not matter). */
export function canonical(v: unknown): string {
  const sort = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(sort);
    if (x !== null && typeof x === 'object') return Object.fromEntries(Object.keys(x).sort().map((k) => [k, sort((x as Record<string, unknown>)[k])]));
    return x;
  };
  return JSON.stringify(sort(v) ?? null);
}

function errorOf(r: Readonly<Record<string, unknown>>): string | undefined {
  const m = r.msg;
  return typeof m === 'string' && m !== '' ? (m.length > 500 ? `${m.slice(0, 499)}…` : m) : undefined;
}

export function recordLine(seq: number, sessionId: string, c: { pattern: string; module: string; params: unknown; check: boolean; diff: boolean; become: string | boolean | undefined; replayed?: boolean }, r: RunResult): RecordLine {
  const ts = r.startedAt.getTime() / 1000;
  return {
    event: 'call',
    version: 1,
    seq,
    timestamp: r.startedAt.toISOString(),
    session_id: sessionId,
    pattern: c.pattern,
    hosts: r.hosts.map((h) => h.host),
    module: c.module,
    params: c.params,
    check_mode: c.check,
    diff: c.diff,
    become: c.become ?? null,
    success: r.success,
    ...(c.replayed === true ? { replayed: true } : {}),
    actions: r.hosts.map((h) => {
      const success = h.status === 'ok' || h.status === 'changed';
      const error = success ? undefined : errorOf(h.result);
      return {
        module: c.module,
        host: h.host,
        params: c.params,
        success,
        changed: h.result.changed === true,
        status: h.status,
        duration: Math.round(h.durationMs) / 1000,
        timestamp: ts + h.startedMs / 1000,
        ...(error === undefined ? {} : { error }),
      };
    }),
  };
}

function recordError(file: string, message: string): FtlError {
  return new FtlError('FTL_RECORD', `${file}: ${message}`);
}

/** Reads a record file: every non-empty line one call. A missing file or a line that is not one is an error naming the file and line. */
export function readRecord(file: string): RecordLine[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such record file' : e instanceof Error ? e.message : String(e);
    throw recordError(file, why);
  }
  const out: RecordLine[] = [];
  for (const [i, raw] of text.split('\n').entries()) {
    if (raw.trim() === '') continue;
    const where = `line ${String(i + 1)}`;
    let v: unknown;
    try {
      v = JSON.parse(raw);
    } catch {
      throw recordError(file, `${where} is not JSON (a torn or edited line?): ${raw.length > 60 ? `${raw.slice(0, 59)}…` : raw}`);
    }
    const l = v as Partial<RecordLine> | null;
    const bad = (what: string): FtlError => recordError(file, `${where} is not a recorded call: ${what}`);
    if (l === null || typeof l !== 'object' || Array.isArray(l)) throw bad('not an object');
    const ev: unknown = l.event;
    if (ev !== 'call') throw bad(ev === undefined ? 'no event' : `event is ${JSON.stringify(ev)}, not "call"`);
    if (typeof l.seq !== 'number' || !Number.isInteger(l.seq) || l.seq < 1) throw bad('no seq (a whole number from 1)');
    if (typeof l.pattern !== 'string' || l.pattern === '') throw bad('no pattern');
    if (typeof l.module !== 'string' || l.module === '') throw bad('no module');
    if (!Array.isArray(l.actions)) throw bad('no actions list');
    out.push(l as RecordLine);
  }
  return out;
}

/** What a replay did: the seqs of the calls it ran and skipped, and where it stopped after a failure. */
export interface ReplayReport {
  readonly file: string;
  readonly calls: number;
  readonly ran: number[];
  readonly skipped: number[];
  stoppedAt: number | undefined;
}

/** One call to replay: as first recorded, and the hosts on which it already succeeded (with the same module and args). */
export interface ReplayStep {
  readonly seq: number;
  readonly call: RecordLine;
  readonly succeeded: ReadonlySet<string>;
}

/** The calls of a record in order of their seq, each with the hosts it is done on. */
export function replayPlan(lines: readonly RecordLine[]): ReplayStep[] {
  const steps = new Map<number, { call: RecordLine; succeeded: Set<string> }>();
  for (const l of lines) {
    let step = steps.get(l.seq);
    if (step === undefined) {
      step = { call: l, succeeded: new Set() };
      steps.set(l.seq, step);
    }
    // A later line of this seq counts only for the same call (module, args, check mode).
    const same = l.module === step.call.module && canonical(l.params) === canonical(step.call.params) && l.check_mode === step.call.check_mode;
    if (!same) continue;
    for (const a of l.actions) {
      if (a.success) step.succeeded.add(a.host);
      else step.succeeded.delete(a.host);
    }
  }
  return [...steps.entries()].sort(([a], [b]) => a - b).map(([seq, s]) => ({ seq, call: s.call, succeeded: s.succeeded }));
}

/**
 * The args of a recorded call, to run again: each { $secret: NAME } becomes the session's
 * secret of that name; a value masked when it was recorded cannot be run again.
 */
export function replayArgs(file: string, step: ReplayStep, secretOf: (name: string) => Secret): unknown {
  const masked: string[] = [];
  const out = mapDeep(
    step.call.params,
    (v) => {
      if (v !== null && typeof v === 'object' && !Array.isArray(v) && typeof (v as Partial<SecretRef>).$secret === 'string' && Object.keys(v).length === 1) return secretOf((v as SecretRef).$secret);
      if (typeof v === 'string' && v.includes(MASK)) masked.push(v);
      return v;
    },
    (v) => Object.prototype.toString.call(v) === '[object Object]',
  );
  if (masked.length > 0) {
    throw new FtlError('FTL_RECORD', `${file}: call ${String(step.seq)} (${step.call.module} on ${step.call.pattern}) has a secret that was masked when it was recorded, so it cannot be run again`, {
      hint: 'give that value as a named secret (ftl.secrets.NAME, --secret NAME) or through a secret binding when recording: those are recorded by name and read again on replay',
    });
  }
  return out;
}

/** The next seq of a record file (1 for a new one). */
export function nextSeq(file: string): number {
  if (!existsSync(file)) return 1;
  return Math.max(0, ...readRecord(file).map((l) => l.seq)) + 1;
}

/** Appends call lines to a record file, one write() each (O_APPEND: whole lines whatever else appends). */
export class Recorder {
  readonly sessionId = randomUUID();
  private seq: number;

  constructor(readonly file: string) {
    this.seq = nextSeq(file);
    // Made now: a record that cannot be written is said before anything runs.
    closeSync(this.open());
  }

  private open(): number {
    try {
      return openSync(this.file, 'a', 0o600);
    } catch (e) {
      throw new FtlError('FTL_RECORD', `cannot open the record file ${this.file}: ${e instanceof Error ? e.message : String(e)}`, { hint: 'give a file in a directory you can write to', cause: e });
    }
  }

  /** The seq the next new call gets. */
  take(): number {
    return this.seq++;
  }

  append(line: RecordLine): void {
    const buf = Buffer.from(`${JSON.stringify(line)}\n`, 'utf8');
    const fd = this.open();
    try {
      let off = 0;
      while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    } finally {
      closeSync(fd);
    }
  }
}
