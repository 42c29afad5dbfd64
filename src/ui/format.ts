import type { HostStatus, RunResultData } from '../base/types.js';
import { colorDiffLine } from './diff.js';
import { formatRange, groupOutcomes, summaryLine, type OutcomeRow } from './group.js';
import { wrapLine } from './wrap.js';

export const STATUS_ICON: Readonly<Record<HostStatus, string>> = {
  ok: '✔',
  changed: '✔',
  failed: '✘',
  unreachable: '✘',
  skipped: '-',
  cancelled: '⏹',
};

/** How long output is cut on screen, and the hint that says how to see it whole (it differs in the REPL and the shell). */
export interface CutPolicy {
  /** Lines of output (and of stderr) per row. */
  readonly lines: number;
  /** Lines of a diff per row. */
  readonly diffLines: number;
  /** The line that replaces what was cut: how to see it whole, in the words of where it is shown. */
  more(host: string, hidden: number): string;
}

const plural = (n: number): string => `${String(n)} more line${n === 1 ? '' : 's'}`;

/** In the REPL: `.show HOST` prints a host's whole result. */
export const REPL_CUT: CutPolicy = { lines: 10, diffLines: 40, more: (host, n) => `… ${plural(n)}: .show ${host}` };
/** On a terminal from the shell: a pipe or --json prints everything. */
export const SHELL_CUT: CutPolicy = { lines: 10, diffLines: 40, more: (_host, n) => `… ${plural(n)}: add --json, or pipe the output (| less), to see it whole` };

export type BodyKind = 'out' | 'stderr' | 'diff' | 'observe' | 'more';
export interface BodyLine {
  readonly text: string;
  readonly kind: BodyKind;
}

function section(lines: readonly string[], kind: BodyKind, max: number | undefined, width: number | undefined, host: string, cut: CutPolicy | undefined): BodyLine[] {
  const shown = max === undefined ? lines : lines.slice(0, max);
  // A long line of output wraps (an error's fix is at its end); a diff line keeps its columns and is cut.
  const out: BodyLine[] = shown.flatMap((l): BodyLine[] => {
    if (width === undefined || l.length <= width) return [{ kind, text: l }];
    if (kind === 'diff') return [{ kind, text: `${l.slice(0, Math.max(1, width - 1))}…` }];
    return wrapLine(l, width).pieces.map((text) => ({ kind, text }));
  });
  const hidden = lines.length - shown.length;
  if (hidden > 0 && cut !== undefined) out.push({ kind: 'more', text: cut.more(host, hidden) });
  return out;
}

/** What is shown under a row's head: output, stderr, diff; cut by the policy (none: everything, as in a pipe). */
export function rowBody(row: OutcomeRow, opts: { width?: number; cut?: CutPolicy | undefined }): BodyLine[] {
  const host = row.hosts[0] ?? '';
  const { width, cut } = opts;
  const out: BodyLine[] = [];
  if (row.summary !== '') out.push(...section(row.summary.split('\n'), 'out', cut?.lines, width, host, cut));
  if (row.stderr !== '') out.push(...section(['stderr:', ...row.stderr.split('\n')], 'stderr', cut === undefined ? undefined : cut.lines + 1, width, host, cut));
  if (row.diff.length > 0) out.push(...section(row.diff, 'diff', cut?.diffLines, width, host, cut));
  // Already cut per observation; shown whole so the commands stay beside their answers.
  if (row.observations.length > 0) out.push(...section(row.observations, 'observe', undefined, width, host, cut));
  return out;
}

/** Plain text for pipes and logs: one block per group of hosts; colours only when asked (diffs). */
export function formatPlain(result: RunResultData, opts: { columns: number; cut?: CutPolicy | undefined; colors?: boolean }): string {
  const rows = groupOutcomes(result);
  const out: string[] = [];
  for (const r of rows) {
    out.push(`${STATUS_ICON[r.status]} ${r.status} ${r.folded} (${r.hosts.length}) ${formatRange(r.minMs, r.durationMs)}`);
    const width = opts.cut === undefined ? undefined : Math.max(20, opts.columns - 4);
    for (const l of rowBody(r, { width, cut: opts.cut })) out.push(`    ${l.kind === 'diff' && opts.colors === true ? colorDiffLine(l.text) : l.text}`);
  }
  out.push(summaryLine(result));
  return `${out.join('\n')}\n`;
}

/** One JSON object per host, then one summary object: easy to read with jq line by line. */
export function formatJsonLines(result: RunResultData): string {
  const lines = result.hosts.map((h) =>
    JSON.stringify({ host: h.host, status: h.status, module: result.module, result: h.result, durationMs: Math.round(h.durationMs), ...(h.observations === undefined ? {} : { observations: h.observations }) }),
  );
  const summary: Record<string, number> = {};
  for (const h of result.hosts) summary[h.status] = (summary[h.status] ?? 0) + 1;
  lines.push(JSON.stringify({ summary, pattern: result.pattern, module: result.module, args: result.args, durationMs: Math.round(result.durationMs) }));
  return `${lines.join('\n')}\n`;
}
