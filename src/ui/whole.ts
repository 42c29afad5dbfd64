import type { RunResultData } from '../base/types.js';
import { colorDiffLine, resultDiff } from './diff.js';
import { STATUS_ICON } from './format.js';
import { formatDuration } from './group.js';
import { text } from './summaries.js';

/** Keys shown as sections of their own, or that only repeat them (Ansible's *_lines). */
const SECTIONS = new Set(['stdout', 'stderr', 'stdout_lines', 'stderr_lines', 'diff', 'invocation', 'module_stdout', 'module_stderr']);

/**
 * One host's whole result, nothing cut: stdout, stderr and the diff as text, then the
 * rest of the module's result as JSON. What `.show HOST` prints.
 */
export function formatHostWhole(result: RunResultData, host: string, colors: boolean): string | undefined {
  const h = result.hosts.find((x) => x.host === host);
  if (h === undefined) return undefined;
  const out: string[] = [`${STATUS_ICON[h.status]} ${h.status} ${h.host} · ${result.module} · ${formatDuration(h.durationMs)}`];
  const block = (title: string, body: string | undefined): void => {
    if (body === undefined || body === '') return;
    out.push(`${colors ? '\x1b[1m' : ''}${title}:${colors ? '\x1b[0m' : ''}`);
    out.push(body.replace(/\n$/, ''));
  };
  block('stdout', text(h.result.stdout) ?? text(h.result.module_stdout));
  block('stderr', text(h.result.stderr) ?? text(h.result.module_stderr));
  const diff = resultDiff(h.result);
  if (diff.length > 0) block('diff', diff.map((l) => (colors ? colorDiffLine(l) : l)).join('\n'));
  for (const o of h.observations ?? []) block(`observed: $ ${o.command}${o.rc === 0 ? '' : ` (rc ${String(o.rc)})`}`, o.output === '' ? '(no output)' : o.output);
  const rest = Object.fromEntries(Object.entries(h.result).filter(([k]) => !SECTIONS.has(k)));
  if (Object.keys(rest).length > 0) block('result', JSON.stringify(rest, null, 2));
  return `${out.join('\n')}\n`;
}
