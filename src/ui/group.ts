import { foldHosts } from '../base/hostset.js';
import type { HostStatus, RunResultData } from '../base/types.js';
import { keyOutput } from './summaries.js';

export { keyOutput } from './summaries.js';

/** Hosts that ended the same way, shown as one row. */
export interface OutcomeRow {
  readonly status: HostStatus;
  readonly hosts: readonly string[];
  readonly folded: string;
  /** The key output, one line per output line (empty when there is nothing to say). */
  readonly summary: string;
  readonly durationMs: number;
}

// Trouble first: on a fleet, the rows that need attention must not scroll away.
const ORDER: readonly HostStatus[] = ['failed', 'unreachable', 'cancelled', 'changed', 'ok', 'skipped'];

export function groupOutcomes(result: RunResultData): OutcomeRow[] {
  const rows = new Map<string, { status: HostStatus; hosts: string[]; summary: string; durationMs: number }>();
  for (const h of result.hosts) {
    // raw and script keep their output's last newline: a blank line in a table says nothing.
    const summary = keyOutput(result.module, h).replace(/\s+$/, '');
    const key = `${h.status}\0${summary}`;
    const row = rows.get(key) ?? { status: h.status, hosts: [], summary, durationMs: 0 };
    row.hosts.push(h.host);
    row.durationMs = Math.max(row.durationMs, h.durationMs);
    rows.set(key, row);
  }
  return [...rows.values()]
    .map((r) => ({ ...r, folded: foldHosts(r.hosts) }))
    .sort((a, b) => ORDER.indexOf(a.status) - ORDER.indexOf(b.status));
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** `3 changed, 1 ok, 1 failed in 1.2 s` */
export function summaryLine(result: RunResultData): string {
  const counts = new Map<HostStatus, number>();
  for (const h of result.hosts) counts.set(h.status, (counts.get(h.status) ?? 0) + 1);
  const parts = ORDER.filter((s) => (counts.get(s) ?? 0) > 0).map((s) => `${counts.get(s) ?? 0} ${s}`);
  return `${parts.join(', ')} in ${formatDuration(result.durationMs)}`;
}
