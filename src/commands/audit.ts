import type { Command } from 'commander';
import { foldHosts } from '../base/hostset.js';
import { fnmatch } from '../base/fnmatch.js';
import { auditDir, type AuditEntry } from '../run/audit.js';
import { readAudit, sinceTime } from '../run/audit-read.js';
import { exportSummary, sessionsPlaybook, writePlaybook } from '../run/playbook-export.js';

interface AuditCliOptions {
  since?: string;
  host?: string;
  changed?: boolean;
  session?: string;
  json?: boolean;
}

function outcome(e: AuditEntry, host: string | undefined): string {
  const p = e.policy;
  if (p.decision === 'denied' || p.decision === 'refused' || p.decision === 'declined') return `${p.decision} (${p.rule ?? '?'})`;
  const results = host === undefined ? e.results : e.results.filter((r) => fnmatch(r.host, host));
  const counts = new Map<string, number>();
  for (const r of results) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  const text = [...counts].map(([s, n]) => `${String(n)} ${s}`).join(', ');
  return p.decision === 'confirmed' ? `${text} (confirmed)` : text;
}

function time(iso: string): string {
  const d = new Date(iso);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${String(d.getFullYear())}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** One row per call: when, who, where, what, how it went. */
export function auditTable(entries: readonly AuditEntry[], host: string | undefined): string {
  const head = ['time', 'user', 'hosts', 'module', 'mode', 'outcome'];
  const rows = entries.map((e) => [
    time(e.timestamp),
    e.user,
    `${foldHosts(host === undefined ? e.hosts : e.hosts.filter((h) => fnmatch(h, host)))} (${String(e.hosts.length)})`,
    e.module.replace(/^ansible\.builtin\./, ''),
    [e.check_mode ? 'check' : '', e.diff ? 'diff' : '', e.become === null || e.become === false ? '' : 'become'].filter((x) => x !== '').join(',') || '-',
    outcome(e, host),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  return [head, ...rows].map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd()).join('\n');
}

export function registerAuditCommand(program: Command): void {
  const audit = program.command('audit');
  audit
    .command('export')
    .description('write the calls of a session that changed something as an Ansible playbook (secrets as variables to supply)')
    .requiredOption('--session <id...>', 'the session_id (ftl audit --json); several sessions are written in the order of their calls')
    .option('-o, --output <file>', 'the playbook file (default: stdout)')
    .action((o: { session: string[]; output?: string }) => {
      const dir = auditDir();
      const sessions = o.session.flatMap((s) => s.split(',')).map((s) => s.trim()).filter((s) => s !== '');
      const pb = sessionsPlaybook(dir, sessions);
      if (o.output === undefined) process.stdout.write(pb.text);
      else {
        writePlaybook(o.output, pb);
        process.stderr.write(`${exportSummary(o.output, pb)}\n`);
      }
    });
  audit
    .description('show the audit trail: every call, who made it, on which hosts, and how it went (~/.ftl/audit, FTL_AUDIT_DIR)')
    .option('--since <when>', 'only calls since then: a duration (30m, 1h, 2d) or a date (2026-12-01)')
    .option('--host <host>', 'only calls that included this host (a glob such as web*)')
    .option('--changed', 'only calls that changed something')
    .option('--session <id>', 'only the calls of one session (its session_id)')
    .option('--json', 'the records as they are stored: one JSON line per call')
    .action((o: AuditCliOptions) => {
      const dir = auditDir();
      const { entries, unreadable } = readAudit(dir, {
        since: o.since === undefined ? undefined : sinceTime(o.since),
        host: o.host,
        changed: o.changed,
        session: o.session,
      });
      if (o.json === true) {
        for (const e of entries) process.stdout.write(`${JSON.stringify(e)}\n`);
      } else if (entries.length === 0) {
        process.stdout.write(`(no calls recorded${o.since === undefined ? '' : ` since ${o.since}`} in ${dir})\n`);
      } else {
        process.stdout.write(`${auditTable(entries, o.host)}\n(${String(entries.length)} call${entries.length === 1 ? '' : 's'})\n`);
      }
      if (unreadable > 0) process.stderr.write(`ftl: warning: ${String(unreadable)} line${unreadable === 1 ? '' : 's'} of the audit trail in ${dir} could not be read\n`);
    });
}
