/**
 * A Jinja2-compatible template engine in TypeScript, for the template action: the
 * controller renders templates itself, no Python needed. It covers what templates
 * commonly use (variables, filters, tests, if/elif/else, for loops with loop.*, set,
 * namespace, filter blocks, with, raw, comments, whitespace control) and renders as
 * Ansible's template module does: trim_blocks on, None printed as nothing, undefined
 * variables an error, the template's trailing newlines kept. Macros, call blocks,
 * include, import and extends are refused by name when the template is compiled.
 */
import type { Node } from './ast.js';
import { DEFAULT_LEX, lex, type LexOptions } from './lexer.js';
import { TemplateParser } from './parser.js';
import { Renderer } from './render.js';

export { TemplateError } from './values.js';

export interface TemplateOptions extends Partial<LexOptions> {
  /** The newline written for each newline in the template text ('\n', '\r\n' or '\r'). */
  newlineSequence?: string;
}

export interface CompiledTemplate {
  render(vars: Readonly<Record<string, unknown>>): string;
}

function trailingNewlines(s: string): number {
  let n = 0;
  for (let i = s.length - 1; i >= 0 && s[i] === '\n'; i--) n++;
  return n;
}

/** Parses a template once (syntax errors and unsupported features are thrown here); render per host. */
export function compileTemplate(source: string, o: TemplateOptions = {}): CompiledTemplate {
  const lexOptions: LexOptions = { ...DEFAULT_LEX, ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) };
  const nodes: Node[] = new TemplateParser(lex(source, lexOptions)).parse();
  const newline = o.newlineSequence ?? '\n';
  // Ansible keeps as many trailing newlines as the template has (Jinja drops one).
  const wanted = trailingNewlines(source);
  return {
    render(vars) {
      let out = new Renderer(newline).render(nodes, vars);
      const have = trailingNewlines(out);
      if (wanted > have) out += newline.repeat(wanted - have);
      return out;
    },
  };
}

export function renderTemplate(source: string, vars: Readonly<Record<string, unknown>>, o: TemplateOptions = {}): string {
  return compileTemplate(source, o).render(vars);
}
