/**
 * Template statements: if/elif/else, for (with else, a loop filter and tuple targets),
 * set (expression and block forms, namespace attributes), filter blocks, with, raw (in
 * the lexer) and comments. Template inheritance, includes and macros are refused by name.
 */
import type { Expr, FilterCall, Node, Target } from './ast.js';
import { ExprParser } from './expr-parser.js';
import type { Segment } from './lexer.js';
import { TemplateError } from './values.js';

/** Jinja features this engine does not have, with what to do instead. */
const UNSUPPORTED: Record<string, string> = {
  macro: 'macros',
  call: 'call blocks',
  include: 'include',
  import: 'import',
  from: 'from ... import',
  extends: 'template inheritance (extends)',
  block: 'blocks (template inheritance)',
  autoescape: 'autoescape blocks',
  trans: 'i18n (trans)',
  do: 'the do extension',
  break: 'loop controls (break)',
  continue: 'loop controls (continue)',
};

function unsupported(word: string, line: number): never {
  throw new TemplateError(
    `the template uses ${UNSUPPORTED[word] ?? word} ('{% ${word} %}'), which ftl's template engine does not support; render that part in JavaScript and pass it as a variable, or run the template with ansible`,
    'TemplateSyntaxError',
    line,
  );
}

export class TemplateParser {
  private i = 0;

  constructor(private readonly segments: readonly Segment[]) {}

  parse(): Node[] {
    const { nodes, end } = this.body([]);
    if (end !== undefined) throw new TemplateError(`unexpected '{% ${end.word} %}'`, 'TemplateSyntaxError', end.line);
    return nodes;
  }

  /** Nodes until one of the end words (or the end of the template, when none are wanted). */
  private body(ends: readonly string[]): { nodes: Node[]; end?: { word: string; p: ExprParser; line: number } } {
    const nodes: Node[] = [];
    while (this.i < this.segments.length) {
      const seg = this.segments[this.i++];
      if (seg === undefined) break;
      if (seg.kind === 'text') {
        nodes.push({ t: 'text', value: seg.value });
        continue;
      }
      const p = new ExprParser(seg.tokens, seg.line);
      if (seg.kind === 'var') {
        if (p.done) throw new TemplateError('expected an expression in {{ }}', 'TemplateSyntaxError', seg.line);
        const expr = p.tuple();
        p.expectEnd();
        nodes.push({ t: 'output', expr, line: seg.line });
        continue;
      }
      const word = p.done ? '' : p.expectName();
      if (ends.includes(word)) return { nodes, end: { word, p, line: seg.line } };
      nodes.push(this.statement(word, p, seg.line));
    }
    if (ends.length > 0) throw new TemplateError(`unexpected end of template; expected ${ends.map((e) => `'{% ${e} %}'`).join(' or ')}`, 'TemplateSyntaxError', this.segments.at(-1)?.line);
    return { nodes };
  }

  private statement(word: string, p: ExprParser, line: number): Node {
    switch (word) {
      case 'if':
        return this.ifStatement(p);
      case 'for':
        return this.forStatement(p, line);
      case 'set':
        return this.setStatement(p);
      case 'filter': {
        const filters = this.filterChain(p);
        const { nodes } = this.body(['endfilter']);
        return { t: 'filterblock', filters, body: nodes };
      }
      case 'with': {
        const assigns: [string, Expr][] = [];
        while (!p.done) {
          const name = p.expectName();
          p.expectOp('=');
          assigns.push([name, p.expression()]);
          if (!p.isOp(',')) break;
          p.next();
        }
        p.expectEnd();
        const { nodes } = this.body(['endwith']);
        return { t: 'with', assigns, body: nodes };
      }
      case '':
        throw new TemplateError('empty block tag', 'TemplateSyntaxError', line);
      default:
        if (word in UNSUPPORTED) unsupported(word, line);
        throw new TemplateError(`unknown tag '${word}'`, 'TemplateSyntaxError', line);
    }
  }

  private ifStatement(first: ExprParser): Node {
    const branches: { test: Expr; body: Node[] }[] = [];
    let p = first;
    for (;;) {
      const test = p.tuple();
      p.expectEnd();
      const { nodes, end } = this.body(['elif', 'else', 'endif']);
      branches.push({ test, body: nodes });
      if (end?.word === 'elif') {
        p = end.p;
        continue;
      }
      if (end?.word === 'else') {
        end.p.expectEnd();
        const rest = this.body(['endif']);
        return { t: 'if', branches, else: rest.nodes };
      }
      return { t: 'if', branches, else: [] };
    }
  }

  private targetNames(p: ExprParser): { t: 'names'; names: string[]; unpack: boolean } {
    const paren = p.isOp('(');
    if (paren) p.next();
    const names = [p.expectName()];
    let unpack = paren;
    while (p.isOp(',')) {
      p.next();
      unpack = true;
      if (p.isOp(')') || p.isName('in') || p.isOp('=')) break;
      names.push(p.expectName());
    }
    if (paren) p.expectOp(')');
    return { t: 'names', names, unpack };
  }

  private forStatement(p: ExprParser, line: number): Node {
    const target = this.targetNames(p);
    p.expectName('in');
    const iter = p.tuple(false);
    let filter: Expr | undefined;
    if (p.isName('if')) {
      p.next();
      filter = p.expression();
    }
    if (p.isName('recursive')) throw new TemplateError("recursive loops ('for ... recursive') are not supported by ftl's template engine", 'TemplateSyntaxError', line);
    p.expectEnd();
    const { nodes, end } = this.body(['else', 'endfor']);
    let otherwise: Node[] = [];
    if (end?.word === 'else') {
      end.p.expectEnd();
      otherwise = this.body(['endfor']).nodes;
    }
    return { t: 'for', target, iter, filter, body: nodes, else: otherwise, line };
  }

  private setStatement(p: ExprParser): Node {
    let target: Target;
    if (p.peek(1)?.type === 'op' && p.peek(1)?.value === '.') {
      const ns = p.expectName();
      p.next();
      target = { t: 'nsattr', ns, attr: p.expectName() };
    } else target = this.targetNames(p);
    if (p.isOp('=')) {
      p.next();
      const expr = p.tuple();
      p.expectEnd();
      return { t: 'set', target, expr };
    }
    if (target.t !== 'names' || target.unpack) throw new TemplateError('a block set assigns one name', 'TemplateSyntaxError', p.peek()?.line);
    const filters = p.isOp('|') ? (p.next(), this.filterChain(p)) : [];
    p.expectEnd();
    const { nodes } = this.body(['endset']);
    return { t: 'setblock', name: target.names[0] ?? '', filters, body: nodes };
  }

  /** `name(args) | name2 ...` up to the end of the tag. */
  private filterChain(p: ExprParser): FilterCall[] {
    const out = [p.filterCall()];
    while (p.isOp('|')) {
      p.next();
      out.push(p.filterCall());
    }
    p.expectEnd();
    return out;
  }
}
