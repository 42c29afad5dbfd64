import { foldHosts } from '../base/hostset.js';
import type { HostResult, HostStatus, RunResultData } from '../base/types.js';

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

function text(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/** What a person looks at first in a host's result, by module and status. */
export function keyOutput(module: string, h: HostResult): string {
  const r = h.result;
  const short = module.split('.').pop() ?? module;
  if (h.status === 'failed' || h.status === 'unreachable' || h.status === 'cancelled') {
    const msg = text(r.msg) ?? '';
    const stderr = text(r.stderr) ?? text(r.module_stderr) ?? '';
    if (short === 'command' || short === 'shell') {
      const rc = r.rc === undefined ? '' : `rc=${text(r.rc) ?? ''} `;
      return `${rc}${stderr !== '' ? stderr : msg}`.trim();
    }
    return msg !== '' ? msg : stderr;
  }
  if (short === 'ping') return `ping: ${text(r.ping) ?? ''}`;
  if (short === 'command' || short === 'shell' || short === 'raw' || short === 'script') {
    const out = text(r.stdout) ?? '';
    return out === '' ? (r.rc === undefined ? '' : `rc=${text(r.rc) ?? ''}`) : out;
  }
  if (short === 'stat') {
    const st = r.stat as Record<string, unknown> | undefined;
    if (st === undefined) return '';
    if (st.exists !== true) return 'exists: false';
    const kind = st.isdir === true ? 'dir' : st.islnk === true ? 'link' : 'file';
    return `exists: ${kind} ${text(st.mode) ?? ''} ${text(st.pw_name) ?? ''}:${text(st.gr_name) ?? ''} ${text(st.size) ?? ''} bytes`.trim();
  }
  if (short === 'slurp') return `${text(r.source) ?? ''} (${(text(r.content) ?? '').length} base64 chars)`;
  if (short === 'facts' || short === 'setup') {
    const f = (r.ansible_facts ?? {}) as Record<string, unknown>;
    return [f.ansible_distribution, f.ansible_distribution_version, f.ansible_kernel, f.ansible_architecture].map(text).filter((x) => x !== undefined).join(' ');
  }
  return text(r.msg) ?? (typeof r.dest === 'string' ? r.dest : typeof r.path === 'string' ? r.path : '');
}

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
