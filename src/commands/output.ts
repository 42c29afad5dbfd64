import type { Writable } from 'node:stream';
import type { RunResultData } from '../run/types.js';
import { formatJsonLines, formatPlain } from '../ui/format.js';

type RenderTable = (result: RunResultData, opts: { columns: number; colors: boolean }) => string;
let renderTable: RenderTable | undefined;
let loading: Promise<void> | undefined;

/**
 * Ink and React take about half a second of CPU to load: more than a warm call on a whole
 * fleet. Only a terminal needs them, so they load on demand: start this early (it loads
 * while the hosts are being reached) and await it before formatting the first table.
 */
export function loadTableRenderer(): Promise<void> {
  loading ??= import('../ui/index.js').then((m) => {
    renderTable = m.renderResult;
  });
  return loading;
}

/** How results reach the screen: an Ink table on a terminal, plain text in a pipe, or JSON lines. */
export type OutputMode = { kind: 'json' } | { kind: 'plain'; columns: number } | { kind: 'table'; columns: number; colors: boolean };

export function outputMode(json: boolean, out: Writable & { isTTY?: boolean; columns?: number }): OutputMode {
  if (json) return { kind: 'json' };
  // A terminal that reports no size (0 columns, as under script(1)) gets the default width.
  const columns = out.columns !== undefined && out.columns > 0 ? out.columns : 100;
  if (out.isTTY === true) return { kind: 'table', columns, colors: process.env.NO_COLOR === undefined };
  return { kind: 'plain', columns: Math.max(columns, 100) };
}

export function formatResult(result: RunResultData, mode: OutputMode): string {
  switch (mode.kind) {
    case 'json':
      return formatJsonLines(result);
    case 'plain':
      return formatPlain(result, { columns: mode.columns });
    case 'table':
      if (renderTable === undefined) throw new Error('formatResult: the table renderer is not loaded; await loadTableRenderer() first');
      return renderTable(result, { columns: mode.columns, colors: mode.colors });
  }
}

export function printResult(result: RunResultData, mode: OutputMode, out: Writable = process.stdout): void {
  const text = formatResult(result, mode);
  out.write(text.endsWith('\n') ? text : `${text}\n`);
}
