import type { ModuleDoc as Doc } from '../base/module-types.js';
import type { RunResultData } from '../base/types.js';
import type { RenderOptions } from './render.js';

export { formatJsonLines, formatPlain } from './format.js';
export { groupOutcomes, keyOutput, summaryLine } from './group.js';
export type { RenderOptions } from './render.js';
export { SORT_KEYS, sortRows, type TopRow, type TopSort } from './top.js';

type Renderer = typeof import('./render.js');

let renderer: Renderer | undefined;
let loading: Promise<Renderer> | undefined;

/**
 * Ink takes long to load (its layout engine is WebAssembly), longer than the rest of
 * start-up together: it is loaded when the first table or doc is due, or in the
 * background once the prompt shows, so that start-up does not wait for it.
 */
export function loadRenderer(): Promise<Renderer> {
  loading ??= import('./render.js').then((r) => (renderer = r));
  return loading;
}

/** The result table as text; loadRenderer() must have finished (the REPL awaits it before it prints a result). */
export function renderResult(result: RunResultData, opts: RenderOptions): string {
  if (renderer === undefined) throw new Error('internal: the Ink renderer is not loaded yet (await loadRenderer() first)');
  return renderer.renderResult(result, opts);
}

export async function renderModuleDoc(doc: Doc, opts: RenderOptions): Promise<string> {
  return (await loadRenderer()).renderModuleDoc(doc, opts);
}
