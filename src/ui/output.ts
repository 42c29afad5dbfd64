import type { Writable } from 'node:stream';
import type { RunResultData } from '../base/types.js';
import { REPL_CUT, SHELL_CUT, type CutPolicy } from './format.js';
import { formatJsonLines, formatPlain, loadRenderer, renderResult } from './index.js';

/**
 * How results reach the screen: an Ink table on a terminal (long output cut, with a hint
 * how to see it whole), plain text in a pipe (everything: a script or `| less` wants all of
 * it), or JSON lines.
 */
export type OutputMode = { kind: 'json' } | { kind: 'plain'; columns: number } | { kind: 'table'; columns: number; colors: boolean; cut: CutPolicy };

/** Where the hints must work: typed at the REPL's prompt, or on a shell's command line. */
export type HintsFor = 'repl' | 'shell';

export function outputMode(json: boolean, out: Writable & { isTTY?: boolean; columns?: number }, hints: HintsFor = 'repl'): OutputMode {
  if (json) return { kind: 'json' };
  // A terminal that reports no size (0 columns, as under script(1)) gets the default width.
  const columns = out.columns !== undefined && out.columns > 0 ? out.columns : 100;
  if (out.isTTY === true) return { kind: 'table', columns, colors: process.env.NO_COLOR === undefined, cut: hints === 'repl' ? REPL_CUT : SHELL_CUT };
  return { kind: 'plain', columns: Math.max(columns, 100) };
}

/** Loads what the mode needs (Ink, for tables) so that formatResult can answer at once. */
export async function prepareOutput(mode: OutputMode): Promise<void> {
  if (mode.kind === 'table') await loadRenderer();
}

export function formatResult(result: RunResultData, mode: OutputMode): string {
  switch (mode.kind) {
    case 'json':
      return formatJsonLines(result);
    case 'plain':
      return formatPlain(result, { columns: mode.columns });
    case 'table':
      return renderResult(result, { columns: mode.columns, colors: mode.colors, cut: mode.cut });
  }
}

export async function printResult(result: RunResultData, mode: OutputMode, out: Writable = process.stdout): Promise<void> {
  await prepareOutput(mode);
  const text = formatResult(result, mode);
  out.write(text.endsWith('\n') ? text : `${text}\n`);
}
