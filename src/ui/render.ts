import { createElement } from 'react';
import { renderToString } from 'ink';
import { stripVTControlCharacters } from 'node:util';
import type { ModuleDoc as Doc } from '../base/module-types.js';
import type { RunResultData } from '../base/types.js';
import type { CutPolicy } from './format.js';
import { ModuleDoc } from './ModuleDoc.js';
import { ResultTable } from './ResultTable.js';
import { TopPanel, type TopPanelProps } from './TopPanel.js';

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
  return finish(renderToString(createElement(ModuleDoc, { doc, colors: opts.colors }), { columns: opts.columns }), opts.colors);
}

/** The .top panel as text: the REPL writes it over the previous frame (Ink never reads keys there). */
export function renderTop(props: TopPanelProps, colors: boolean): string {
  return finish(renderToString(createElement(TopPanel, props), { columns: props.columns }), colors);
}
