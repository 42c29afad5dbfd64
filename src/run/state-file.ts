/**
 * The state of provisioned hosts, in FTL2's `.ftl2-state.json` format, so that either tool
 * reads what the other wrote: `{ version: 1, created_at, updated_at, hosts: { name:
 * { ansible_host, ansible_port, groups, added_at, ...vars } }, resources: { name: {...} } }`.
 * Hosts added with `persist` survive the session: later sessions merge them into their
 * inventory. Unlike FTL2, a file that cannot be read is never treated as empty and
 * overwritten: it is moved aside (`<file>.corrupt-<timestamp>`) and reported. Every write
 * re-reads the file first (another session may have added a host), then replaces it
 * atomically (a temp file in the same directory, fsync, rename). Passwords and other
 * secrets are never written.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync, existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { StateError } from '../base/errors.js';
import { Secret } from '../base/secret-value.js';
import { maskValues } from '../base/secrets.js';

export const DEFAULT_STATE_FILE = '.ftl2-state.json';

export interface StateData {
  version: number;
  created_at: string;
  updated_at: string;
  hosts: Record<string, Record<string, unknown>>;
  resources: Record<string, Record<string, unknown>>;
  [other: string]: unknown;
}

/** Connection passwords, as Ansible names them: never written to the state file. */
const PASSWORD_VARS = new Set([
  'ansible_password',
  'ansible_ssh_pass',
  'ansible_ssh_password',
  'ansible_become_password',
  'ansible_become_pass',
  'ansible_sudo_pass',
  'ansible_sudo_password',
  'ansible_su_pass',
  'ansible_su_password',
  'ansible_httpapi_password',
  'ansible_winrm_password',
]);

/** Other variables whose name says they hold a secret (db_password, api_token, client_secret). */
const SECRET_NAME = /(^|_)(password|passwd|pass|secret|token)$/i;

/** Keys of a state host entry that are not host variables. */
const ENTRY_KEYS = new Set(['groups', 'added_at']);

function emptyState(now: string): StateData {
  return { version: 1, created_at: now, updated_at: now, hosts: {}, resources: {} };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Why the text is not a state file FTL2 or ftl wrote, or undefined when it is one. */
function problemOf(parsed: unknown): string | undefined {
  if (!isRecord(parsed)) return 'it is not a JSON object';
  if (parsed.hosts !== undefined && !isRecord(parsed.hosts)) return "'hosts' is not an object";
  if (parsed.resources !== undefined && !isRecord(parsed.resources)) return "'resources' is not an object";
  if (isRecord(parsed.hosts)) for (const [name, h] of Object.entries(parsed.hosts)) if (!isRecord(h)) return `host '${name}' is not an object`;
  return undefined;
}

export type StateRead = { kind: 'ok'; data: StateData } | { kind: 'missing'; data: StateData } | { kind: 'corrupt'; why: string };

/** Reads a state file without changing anything. */
export function readState(path: string, now = new Date().toISOString()): StateRead {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing', data: emptyState(now) };
    throw new StateError('FTL_STATE', `cannot read the state file ${path}: ${(e as Error).message}`);
  }
  // An empty file holds nothing to lose (FTL2 treats it as empty too).
  if (text.trim() === '') return { kind: 'ok', data: emptyState(now) };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return { kind: 'corrupt', why: `it is not valid JSON (${(e as Error).message})` };
  }
  const why = problemOf(parsed);
  if (why !== undefined) return { kind: 'corrupt', why };
  const data = parsed as Partial<StateData>;
  if (data.version !== undefined && data.version !== 1) {
    throw new StateError('FTL_STATE', `the state file ${path} has version ${JSON.stringify(data.version)}; this ftl reads version 1`, { hint: 'use the ftl (or FTL2) that wrote it, or point --state-file elsewhere' });
  }
  return { kind: 'ok', data: { ...emptyState(now), ...data, version: 1, hosts: data.hosts ?? {}, resources: data.resources ?? {} } };
}

function stamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

/** Moves a corrupt state file aside, never over another file; the new path. */
export function moveAside(path: string, now = new Date()): string {
  let aside = `${path}.corrupt-${stamp(now)}`;
  for (let n = 2; existsSync(aside); n++) aside = `${path}.corrupt-${stamp(now)}-${n}`;
  renameSync(path, aside);
  return aside;
}

/** Writes the state atomically: a temp file beside it, flushed to disk, renamed over it. */
export function writeState(path: string, data: StateData): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  // Mode 0600: the state names hosts, users and addresses of a fleet.
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, `${JSON.stringify(data, null, 2)}\n`);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    unlinkSync(tmp);
    throw e;
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (e) {
    unlinkSync(tmp);
    throw e;
  }
}

/** A host's variables without the ones that must not be written: passwords, secrets (by name or by value). */
export function persistableVars(vars: Readonly<Record<string, unknown>>, secrets: Iterable<string>): { vars: Record<string, unknown>; dropped: string[] } {
  const known = [...secrets];
  const out: Record<string, unknown> = {};
  const dropped: string[] = [];
  for (const [k, v] of Object.entries(vars)) {
    const holdsSecret = Secret.is(v) || JSON.stringify(maskValues(v, known)) !== JSON.stringify(v);
    if (PASSWORD_VARS.has(k) || SECRET_NAME.test(k) || holdsSecret) dropped.push(k);
    else out[k] = v;
  }
  return { vars: out, dropped };
}

/** A state host entry as inventory variables and groups. */
export function hostOfEntry(entry: Readonly<Record<string, unknown>>): { vars: Record<string, unknown>; groups: string[] } {
  const vars: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(entry)) if (!ENTRY_KEYS.has(k)) vars[k] = v;
  const groups = Array.isArray(entry.groups) ? entry.groups.filter((g): g is string => typeof g === 'string' && g !== '') : [];
  return { vars, groups };
}

function without<T>(record: Record<string, T>, name: string): Record<string, T> {
  return Object.fromEntries(Object.entries(record).filter(([k]) => k !== name));
}

/** A state file as a session uses it. */
export class StateFile {
  constructor(
    readonly path: string,
    /** Told when a corrupt file is moved aside (the session's warnings). */
    private readonly warn: (message: string) => void,
  ) {}

  /** The state as it is on disk; a corrupt file is moved aside and reported, and the state starts empty. */
  load(): StateData {
    const r = readState(this.path);
    if (r.kind !== 'corrupt') return r.data;
    const aside = moveAside(this.path);
    this.warn(`the state file ${this.path} could not be read (${r.why}); moved it to ${aside} and started with no saved hosts`);
    return emptyState(new Date().toISOString());
  }

  private change(fn: (data: StateData, now: string) => boolean): boolean {
    const data = this.load();
    const now = new Date().toISOString();
    if (!fn(data, now)) return false;
    data.updated_at = now;
    writeState(this.path, data);
    return true;
  }

  /**
   * Writes a host, as FTL2's add_host does (its ansible_host, else its name; its groups;
   * when it was added; its variables), leaving out passwords and secrets: the names of
   * the variables left out.
   */
  addHost(name: string, vars: Readonly<Record<string, unknown>>, groups: readonly string[], secrets: Iterable<string>): string[] {
    const { vars: kept, dropped } = persistableVars(vars, secrets);
    this.change((data, now) => {
      data.hosts[name] = { ansible_host: name, ...kept, groups: [...groups], added_at: now };
      return true;
    });
    return dropped;
  }

  /** Removes a host, or (`any`, as FTL2's remove) a host and a resource of that name; whether there was one. */
  remove(name: string, what: 'host' | 'any' = 'host'): boolean {
    return this.change((data) => {
      const had = name in data.hosts || (what === 'any' && name in data.resources);
      data.hosts = without(data.hosts, name);
      if (what === 'any') data.resources = without(data.resources, name);
      return had;
    });
  }
}
