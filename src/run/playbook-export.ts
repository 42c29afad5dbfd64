/**
 * A session as an Ansible playbook (`.export FILE.yml`, `ftl audit export`): the calls of the
 * audit trail that changed something, not in check mode, in order. Consecutive calls on the
 * same pattern with the same become and diff share a play. A secret was masked before it was
 * recorded, so it cannot be written back: each masked value becomes a variable reference the
 * person running the playbook supplies (-e, a vault file), listed in the header.
 */
import { writeFileSync } from 'node:fs';
import { yaml } from '../base/yaml.js';
import { FtlError, UsageError } from '../base/errors.js';
import { MASK } from '../base/secrets.js';
import type { AuditEntry } from './audit.js';
import { readAudit } from './audit-read.js';

/** A variable the playbook needs because the audit holds only its mask. */
export interface ExportVariable {
  readonly name: string;
  /** Which task and parameter it stands for, for the header. */
  readonly where: string;
}

export interface SessionPlaybook {
  readonly text: string;
  /** The calls written, one task each. */
  readonly tasks: number;
  readonly plays: number;
  readonly variables: readonly ExportVariable[];
}

/** Calls worth replaying: ran for real (not check mode, not refused) and changed a host. */
export function changingCalls(entries: readonly AuditEntry[]): AuditEntry[] {
  return entries.filter((e) => !e.check_mode && e.results.some((r) => r.changed));
}

/** Modules whose text argument Ansible takes as a string (raw) or as cmd (the others). */
const FREE_FORM = new Set(['command', 'shell', 'raw', 'script', 'win_command', 'win_shell']);

function shortName(fqcn: string): string {
  return fqcn.split('.').pop() ?? fqcn;
}

function identifier(path: readonly string[]): string {
  const s = path.join('_').toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
  return s === '' ? 'secret' : s;
}

/** Replaces every mask with a fresh variable reference, recording which variables the playbook needs. */
class SecretNames {
  readonly variables: ExportVariable[] = [];
  private readonly used = new Set<string>();

  constructor(private readonly prefix: string) {}

  private fresh(path: readonly string[], where: string): string {
    const base = `${this.prefix}${identifier(path)}`;
    let name = base;
    for (let i = 2; this.used.has(name); i++) name = `${base}_${String(i)}`;
    this.used.add(name);
    this.variables.push({ name, where: `${where}, ${path.join('.') || 'argument'}` });
    return name;
  }

  replace(v: unknown, path: string[], where: string): unknown {
    if (typeof v === 'string') {
      if (!v.includes(MASK)) return v;
      return v.split(MASK).reduce((acc, part) => `${acc}{{ ${this.fresh(path, where)} }}${part}`);
    }
    if (Array.isArray(v)) return v.map((x, i) => this.replace(x, [...path, String(i)], where));
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, this.replace(x, [...path, k], where)]));
    return v;
  }
}

/** The module's arguments as a task writes them: free-form text as Ansible's short form. */
function taskArgs(module: string, params: Readonly<Record<string, unknown>>): unknown {
  const raw = params._raw_params;
  if (typeof raw !== 'string' || !FREE_FORM.has(shortName(module))) return params;
  const rest = Object.fromEntries(Object.entries(params).filter(([k]) => k !== '_raw_params'));
  if (Object.keys(rest).length === 0) return raw;
  // raw and script take only the text; command and shell take it as cmd beside their options.
  return shortName(module) === 'command' || shortName(module) === 'shell' ? { cmd: raw, ...rest } : params;
}

function oneLine(v: unknown, max: number): string {
  const t = typeof v === 'string' ? v : JSON.stringify(v);
  const line = t.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** A short name for a task: the module and what it works on (path, name, the command). */
function taskName(e: AuditEntry, args: unknown): string {
  const mod = shortName(e.module);
  if (typeof args === 'string') return `${mod}: ${oneLine(args, 60)}`;
  const p = args as Record<string, unknown>;
  for (const key of ['cmd', 'path', 'dest', 'name', 'src', 'url', 'repo', 'key']) {
    const v = p[key];
    if (v !== undefined && v !== null && v !== '') return `${mod} ${key}=${oneLine(v, 60)}`;
  }
  return mod;
}

function becomeOf(e: AuditEntry): { become?: true; become_user?: string } {
  const b = e.become;
  if (b === null || b === false) return {};
  // true: each host's own become user, as the inventory says.
  if (b === true || b === '') return { become: true };
  return { become: true, become_user: b };
}

function playKey(e: AuditEntry): string {
  return JSON.stringify([e.pattern, becomeOf(e), e.diff]);
}

export interface PlaybookOptions {
  /** Prefix of the variables that stand for secrets; default vault_. */
  readonly variablePrefix?: string;
  /** How the error names the session when it changed nothing; default "session ID". */
  readonly who?: string;
}

/** The playbook text of the changing calls among these audit records; throws when there are none. */
export function sessionPlaybook(entries: readonly AuditEntry[], session: string, opts: PlaybookOptions = {}): SessionPlaybook {
  const calls = changingCalls(entries);
  if (calls.length === 0) {
    throw new UsageError('FTL_USAGE', `${opts.who ?? `session ${session}`} has no call that changed something (check-mode calls are left out): no playbook written`);
  }
  const names = new SecretNames(opts.variablePrefix ?? 'vault_');
  const plays: Record<string, unknown>[] = [];
  let lastKey: string | undefined;
  let tasks: Record<string, unknown>[] = [];
  calls.forEach((e, i) => {
    const where = `task ${String(i + 1)} (${shortName(e.module)})`;
    const args = names.replace(taskArgs(e.module, e.params), [], where);
    const task: Record<string, unknown> = { name: taskName(e, args), [e.module]: args };
    const key = playKey(e);
    if (key !== lastKey) {
      tasks = [];
      const b = becomeOf(e);
      plays.push({
        name: `${e.pattern}${b.become === true ? ` as ${b.become_user ?? 'the become user'}` : ''}`,
        hosts: e.pattern,
        gather_facts: false,
        ...b,
        ...(e.diff ? { diff: true } : {}),
        tasks,
      });
      lastKey = key;
    }
    tasks.push(task);
  });
  // YAML 1.1 as Ansible reads it: yes, on, 0644 stay strings only when quoted.
  const doc = new (yaml().Document)(plays, { version: '1.1' });
  const body = doc.toString({ lineWidth: 0 });
  const first = calls[0];
  const last = calls[calls.length - 1];
  const header = [
    `# Written by ftl from session ${session}: ${String(calls.length)} call${calls.length === 1 ? '' : 's'} that changed something,`,
    `# ${first?.timestamp ?? ''} to ${last?.timestamp ?? ''} (${first?.user ?? '?'}@${first?.controller ?? '?'}). Check-mode calls are left out.`,
    ...(names.variables.length === 0
      ? ['# No secrets: every argument is written as it was recorded.']
      : [
          '# Secrets were masked in the audit and are not written here; supply these variables',
          '# (ansible-playbook -e @secrets.yml, or a vault file: ansible-vault create secrets.yml):',
          ...names.variables.map((v) => `#   ${v.name}: ${v.where}`),
        ]),
  ];
  return { text: `${header.join('\n')}\n${body}`, tasks: calls.length, plays: plays.length, variables: names.variables };
}

/** The playbook of the sessions' calls, read from the audit trail in dir. */
export function sessionsPlaybook(dir: string, sessions: readonly string[], opts: PlaybookOptions = {}): SessionPlaybook {
  const wanted = new Set(sessions);
  const { entries } = readAudit(dir);
  const mine = entries.filter((e) => wanted.has(e.session_id));
  const label = sessions.join(', ');
  if (mine.length === 0 && opts.who === undefined) {
    throw new UsageError('FTL_USAGE', `no call of session ${label} in the audit trail ${dir}`, { hint: 'ftl audit --json shows each call with its session_id' });
  }
  return sessionPlaybook(mine, label, opts);
}

/** Writes the playbook; a file that cannot be written is one line, nothing half-written left behind by us. */
export function writePlaybook(file: string, pb: SessionPlaybook): void {
  try {
    writeFileSync(file, pb.text, { mode: 0o644 });
  } catch (e) {
    throw new FtlError('FTL_USAGE', `cannot write the playbook ${file}: ${e instanceof Error ? e.message : String(e)}`, { cause: e, hint: 'choose a file in a directory you can write' });
  }
}

/** What was written, in one line. */
export function exportSummary(file: string, pb: SessionPlaybook): string {
  const vars = pb.variables.length === 0 ? '' : `; supply ${pb.variables.map((v) => v.name).join(', ')} (-e or a vault file)`;
  return `wrote ${file}: ${String(pb.tasks)} task${pb.tasks === 1 ? '' : 's'} in ${String(pb.plays)} play${pb.plays === 1 ? '' : 's'}${vars}`;
}
