import { foldHosts } from '../base/hostset.js';
import type { HostResult, HostStatus, RunResultData } from '../base/types.js';
import { resultDiff } from './diff.js';
import { keyOutput, text } from './summaries.js';

export { keyOutput } from './summaries.js';

/** Hosts that ended the same way, shown as one row. */
export interface OutcomeRow {
  readonly status: HostStatus;
  readonly hosts: readonly string[];
  readonly folded: string;
  /** The key output, one line per output line (empty when there is nothing to say). */
  readonly summary: string;
  /** stderr when not empty and not already the summary. */
  readonly stderr: string;
  /** The unified diff lines of the change (empty without diff mode). */
  readonly diff: readonly string[];
  /** After a failure: what was observed on the host, as lines to show (compact, each output cut short). */
  readonly observations: readonly string[];
  /** The slowest host's time. */
  readonly durationMs: number;
  /** The quickest host's time. */
  readonly minMs: number;
}

// Trouble first: on a fleet, the rows that need attention must not scroll away.
const ORDER: readonly HostStatus[] = ['failed', 'unreachable', 'cancelled', 'changed', 'ok', 'skipped'];

/** Lines of each observation's output on screen; results and --json keep more. */
const OBSERVED_LINES = 6;

/** The observations of a host as indented lines: `$ command (rc N)` and its output under it. */
export function observationLines(h: HostResult): string[] {
  const obs = h.observations ?? [];
  if (obs.length === 0) return [];
  const out = ['observed on the host:'];
  for (const o of obs) {
    out.push(`  $ ${o.command}${o.rc === 0 ? '' : `  (rc ${String(o.rc)})`}`);
    const lines = o.output === '' ? [] : o.output.split('\n');
    for (const l of lines.slice(0, OBSERVED_LINES)) out.push(`    ${l}`);
    if (lines.length > OBSERVED_LINES) out.push(`    … ${String(lines.length - OBSERVED_LINES)} more lines (.show HOST, or --json)`);
  }
  return out;
}

function stderrOf(h: HostResult, summary: string): string {
  const err = (text(h.result.stderr) ?? '').replace(/\s+$/, '');
  return err === '' || summary.includes(err) ? '' : err;
}

/**
 * Hosts fold into one row when everything shown for them is the same: status, key output,
 * stderr and the whole diff (never only the lines that fit on screen).
 */
export function groupOutcomes(result: RunResultData): OutcomeRow[] {
  const rows = new Map<string, { status: HostStatus; hosts: string[]; summary: string; stderr: string; diff: string[]; observations: string[]; durationMs: number; minMs: number }>();
  for (const h of result.hosts) {
    // raw and script keep their output's last newline: a blank line in a table says nothing.
    const summary = keyOutput(result.module, h).replace(/\s+$/, '');
    const stderr = stderrOf(h, summary);
    const diff = resultDiff(h.result);
    const observations = observationLines(h);
    const key = JSON.stringify([h.status, summary, stderr, diff, observations]);
    const row = rows.get(key) ?? { status: h.status, hosts: [], summary, stderr, diff, observations, durationMs: 0, minMs: Infinity };
    row.hosts.push(h.host);
    row.durationMs = Math.max(row.durationMs, h.durationMs);
    row.minMs = Math.min(row.minMs, h.durationMs);
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

/** A row's time: one value, or quickest–slowest when its hosts differ (`80–340 ms`, `0.9–2.1 s`). */
export function formatRange(minMs: number, maxMs: number): string {
  const lo = formatDuration(minMs);
  const hi = formatDuration(maxMs);
  if (lo === hi || !Number.isFinite(minMs)) return hi;
  if (maxMs < 1000) return `${String(Math.round(minMs))}–${hi}`;
  if (minMs >= 1000 && maxMs < 60_000) return `${(minMs / 1000).toFixed(1)}–${hi}`;
  return `${lo}–${hi}`;
}

/** `3 changed, 1 ok, 1 failed in 1.2 s` */
export function summaryLine(result: RunResultData): string {
  const counts = new Map<HostStatus, number>();
  for (const h of result.hosts) counts.set(h.status, (counts.get(h.status) ?? 0) + 1);
  const parts = ORDER.filter((s) => (counts.get(s) ?? 0) > 0).map((s) => `${counts.get(s) ?? 0} ${s}`);
  return `${parts.join(', ')} in ${formatDuration(result.durationMs)}`;
}
