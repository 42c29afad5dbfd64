import type { HostStatus, RunResultData } from '../base/types.js';
import { formatDuration, groupOutcomes, summaryLine } from './group.js';
import { wrapLine } from './wrap.js';

export const STATUS_ICON: Readonly<Record<HostStatus, string>> = {
  ok: '✔',
  changed: '✔',
  failed: '✘',
  unreachable: '✘',
  skipped: '-',
  cancelled: '⏹',
};

/** Long output is cut to this many lines, with a hint how to see it whole. */
export const MAX_LINES = 5;

export function trimOutput(summary: string, width: number, firstHost: string): { lines: string[]; trimmed: boolean } {
  const all = summary.split('\n');
  let trimmed = all.length > MAX_LINES;
  // A long line wraps (an error's fix is at its end); only a very long one is cut.
  const lines = all.slice(0, MAX_LINES).flatMap((l) => {
    const { pieces, cut } = wrapLine(l, width);
    if (cut) trimmed = true;
    return pieces;
  });
  if (trimmed) lines.push(`… see it whole: _.host('${firstHost}')`);
  return { lines, trimmed };
}

/** Plain text for pipes and logs: no colours, one block per group of hosts. */
export function formatPlain(result: RunResultData, opts: { columns: number }): string {
  const rows = groupOutcomes(result);
  const out: string[] = [];
  for (const r of rows) {
    const head = `${STATUS_ICON[r.status]} ${r.status} ${r.folded} (${r.hosts.length}) ${formatDuration(r.durationMs)}`;
    out.push(head);
    const width = Math.max(20, opts.columns - 4);
    if (r.summary !== '') for (const l of trimOutput(r.summary, width, r.hosts[0] ?? '').lines) out.push(`    ${l}`);
  }
  out.push(summaryLine(result));
  return `${out.join('\n')}\n`;
}

/** One JSON object per host, then one summary object: easy to read with jq line by line. */
export function formatJsonLines(result: RunResultData): string {
  const lines = result.hosts.map((h) => JSON.stringify({ host: h.host, status: h.status, module: result.module, result: h.result, durationMs: Math.round(h.durationMs) }));
  const summary: Record<string, number> = {};
  for (const h of result.hosts) summary[h.status] = (summary[h.status] ?? 0) + 1;
  lines.push(JSON.stringify({ summary, pattern: result.pattern, module: result.module, args: result.args, durationMs: Math.round(result.durationMs) }));
  return `${lines.join('\n')}\n`;
}
