import { UsageError } from '../base/errors.js';
import type { GateReport } from '../hosts/gates.js';

const DONE = { restart: 'restarted', upgrade: 'upgraded', drain: 'drained', remove: 'removed from' } as const;

/** One line a person reads: "upgraded 3, 1 unreachable · gate 1a2b… · 2 calls finishing on the old gates", then a line per failure. */
export function gateReportText(r: GateReport): string {
  const parts = [r.action === 'remove' ? `removed ~/.ftl from ${String(r.done)} host${r.done === 1 ? '' : 's'}` : `${DONE[r.action]} ${String(r.done)}`];
  if (r.failed.length > 0) parts.push(`${String(r.failed.length)} unreachable`);
  if (r.skipped !== undefined && r.skipped.length > 0) parts.push(`${String(r.skipped.length)} skipped (local: ${r.skipped.join(', ')})`);
  const notes: string[] = [];
  if (r.stopped !== undefined) notes.push(`${String(r.stopped)} gate process${r.stopped === 1 ? '' : 'es'} stopped`);
  if (r.build !== undefined) notes.push(`gate ${r.build}`);
  if (r.running > 0) {
    const where = r.action === 'restart' ? 'were running when the old gates were shut down' : r.action === 'upgrade' ? 'finishing on the old gates, which close after them' : 'finishing before the gates close';
    notes.push(`${String(r.running)} call${r.running === 1 ? '' : 's'} ${where}`);
  }
  const lines = [[parts.join(', '), ...notes].join(' · ')];
  for (const f of r.failed) lines.push(`  ${f.host}: ${f.message}`);
  return lines.join('\n');
}

/** The pattern a lifecycle command needs: remove decommissions hosts, so it never means "all" by default. */
export function removePattern(pattern: string | undefined): string {
  if (pattern === undefined || pattern.trim() === '') {
    throw new UsageError('FTL_USAGE', 'removing gates needs a host pattern', { hint: 'e.g. ftl gate remove -i inventory.yml webservers (all for every host)' });
  }
  return pattern.trim();
}
