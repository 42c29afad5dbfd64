/**
 * What a person looks at first in one host's result: one short text per module, from the
 * module's own result keys. A table by module short name; modules without an entry get
 * the default (msg, else the path they worked on). Failures read the same for every
 * module except where its output says more (command's stderr and rc).
 */
import type { HostResult } from '../base/types.js';

type Result = HostResult['result'];
export type Summarizer = (r: Result) => string;

export function text(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

const rcText = (r: Result): string => (r.rc === undefined ? '' : `rc=${text(r.rc) ?? ''}`);

/** Output first; a command that printed nothing shows its exit code. */
const output: Summarizer = (r) => {
  const out = text(r.stdout) ?? '';
  return out === '' ? rcText(r) : out;
};

const facts: Summarizer = (r) => {
  const f = (r.ansible_facts ?? {}) as Record<string, unknown>;
  return [f.ansible_distribution, f.ansible_distribution_version, f.ansible_kernel, f.ansible_architecture].map(text).filter((x) => x !== undefined).join(' ');
};

export const DEFAULT_SUMMARY: Summarizer = (r) => text(r.msg) ?? (typeof r.dest === 'string' ? r.dest : typeof r.path === 'string' ? r.path : '');

/** Results of hosts that succeeded, by module short name. */
export const SUMMARIES: Readonly<Record<string, Summarizer>> = {
  ping: (r) => `ping: ${text(r.ping) ?? ''}`,
  command: output,
  shell: output,
  raw: output,
  script: output,
  stat: (r) => {
    const st = r.stat as Record<string, unknown> | undefined;
    if (st === undefined) return '';
    if (st.exists !== true) return 'exists: false';
    const kind = st.isdir === true ? 'dir' : st.islnk === true ? 'link' : 'file';
    return `exists: ${kind} ${text(st.mode) ?? ''} ${text(st.pw_name) ?? ''}:${text(st.gr_name) ?? ''} ${text(st.size) ?? ''} bytes`.trim();
  },
  slurp: (r) => `${text(r.source) ?? ''} (${(text(r.content) ?? '').length} base64 chars)`,
  facts,
  setup: facts,
};

/** Results of hosts that failed, were unreachable or cancelled, where a module says more than msg. */
export const FAILURE_SUMMARIES: Readonly<Record<string, Summarizer>> = {
  command: (r) => {
    const stderr = text(r.stderr) ?? text(r.module_stderr) ?? '';
    return `${r.rc === undefined ? '' : `${rcText(r)} `}${stderr !== '' ? stderr : (text(r.msg) ?? '')}`.trim();
  },
  shell: (r) => FAILURE_SUMMARIES.command?.(r) ?? '',
};

const DEFAULT_FAILURE: Summarizer = (r) => {
  const msg = text(r.msg) ?? '';
  return msg !== '' ? msg : (text(r.stderr) ?? text(r.module_stderr) ?? '');
};

/** What a person looks at first in a host's result, by module and status. */
export function keyOutput(module: string, h: HostResult): string {
  const short = module.split('.').pop() ?? module;
  const trouble = h.status === 'failed' || h.status === 'unreachable' || h.status === 'cancelled';
  const summarize = trouble ? (FAILURE_SUMMARIES[short] ?? DEFAULT_FAILURE) : (SUMMARIES[short] ?? DEFAULT_SUMMARY);
  return summarize(h.result);
}
