/**
 * Reading the audit trail back (`ftl audit`): the day files in the window asked for, one
 * entry per line; a line that is not JSON (a file edited by hand) is counted, never fatal.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../base/errors.js';
import { fnmatch } from '../base/fnmatch.js';
import type { AuditEntry } from './audit.js';

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** `--since 1h`, `30m`, `2d`, or a date (2026-12-01, an ISO time): the earliest time shown. */
export function sinceTime(text: string, now: Date = new Date()): Date {
  const m = /^(\d+(?:\.\d+)?)\s*([smhdw])$/.exec(text.trim());
  if (m !== null) return new Date(now.getTime() - Number(m[1]) * (UNITS[m[2] ?? 's'] ?? 1) * 1000);
  const d = new Date(text);
  if (Number.isNaN(d.getTime())) throw new UsageError('FTL_USAGE', `--since takes a duration such as 30m, 1h, 2d or a date such as 2026-12-01, not '${text}'`);
  return d;
}

export interface AuditQuery {
  since?: Date | undefined;
  /** A host name or glob: calls that included a matching host. */
  host?: string | undefined;
  /** Only calls that changed something. */
  changed?: boolean | undefined;
  session?: string | undefined;
}

export function readAudit(dir: string, q: AuditQuery = {}): { entries: AuditEntry[]; unreadable: number } {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => /^\d{4}-\d{2}-\d{2}\.jsonl$/.test(f)).sort();
  } catch {
    return { entries: [], unreadable: 0 };
  }
  // A day file holds that local day's calls: earlier days than the window's first are skipped unread.
  const sinceDay = q.since === undefined ? undefined : new Date(q.since.getTime() - 86400_000).toISOString().slice(0, 10);
  const entries: AuditEntry[] = [];
  let unreadable = 0;
  for (const f of files) {
    if (sinceDay !== undefined && f.slice(0, 10) < sinceDay) continue;
    for (const line of readFileSync(join(dir, f), 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      let e: AuditEntry;
      try {
        e = JSON.parse(line) as AuditEntry;
      } catch {
        unreadable++;
        continue;
      }
      if (q.since !== undefined && new Date(e.timestamp) < q.since) continue;
      if (q.session !== undefined && e.session_id !== q.session) continue;
      const host = q.host;
      if (host !== undefined && !e.hosts.some((h) => fnmatch(h, host))) continue;
      if (q.changed === true && !e.results.some((r) => r.changed && (host === undefined || fnmatch(r.host, host)))) continue;
      entries.push(e);
    }
  }
  entries.sort((a, b) => a.timestamp.localeCompare(b.timestamp));
  return { entries, unreadable };
}
