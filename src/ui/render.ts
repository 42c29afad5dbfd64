import { createElement } from 'react';
import { renderToString } from 'ink';
import { stripVTControlCharacters } from 'node:util';
import type { ModuleDoc as Doc } from '../base/module-types.js';
import type { RunResultData } from '../base/types.js';
import type { CutPolicy } from './format.js';
import { ModuleDoc } from './ModuleDoc.js';
import { ResultTable } from './ResultTable.js';

export interface RenderOptions {
  readonly columns: number;
  readonly colors: boolean;
  /** How long output is cut in a result table (undefined: everything). */
  readonly cut?: CutPolicy | undefined;
}

function finish(text: string, colors: boolean): string {
  return colors ? text : stripVTControlCharacters(text);
}

/** The result table as text, for the REPL (Ink renders to a string: it never owns the terminal there). */
export function renderResult(result: RunResultData, opts: RenderOptions): string {
  return finish(renderToString(createElement(ResultTable, { result, columns: opts.columns, cut: opts.cut }), { columns: opts.columns }), opts.colors);
}

export function renderModuleDoc(doc: Doc, opts: RenderOptions): string {
  return finish(renderToString(createElement(ModuleDoc, { doc }), { columns: opts.columns }), opts.colors);
}
