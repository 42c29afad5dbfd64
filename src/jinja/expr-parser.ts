/**
 * Jinja expressions, with Jinja's precedence: conditional (a if b else c), or, and,
 * not, comparisons (chained, in, not in), + -, ~, * / // %, **, unary - +, then
 * postfix (.attr, [item], [a:b], calls) with filters (|) and tests (is) binding tightest.
 */
import type { Expr, FilterCall } from './ast.js';
import { filterNamed } from './filters.js';
import type { Token } from './lexer.js';
import { testNamed } from './tests.js';
import { float, TemplateError, tuple } from './values.js';

const COMPARE = new Set(['==', '!=', '<', '>', '<=', '>=']);
const CONSTS: Record<string, unknown> = { true: true, false: false, none: null, True: true, False: false, None: null };

export class ExprParser {
  private i = 0;

  constructor(
    private readonly tokens: readonly Token[],
    private readonly line: number,
  ) {}

  get done(): boolean {
    return this.i >= this.tokens.length;
  }

  peek(k = 0): Token | undefined {
    return this.tokens[this.i + k];
  }

  private fail(msg: string): never {
    throw new TemplateError(msg, 'TemplateSyntaxError', this.peek()?.line ?? this.line);
  }

  next(): Token {
    const t = this.tokens[this.i++];
    if (t === undefined) this.fail('unexpected end of tag');
    return t;
  }

  isOp(v: string, k = 0): boolean {
    const t = this.peek(k);
    return t?.type === 'op' && t.value === v;
  }

  isName(v: string, k = 0): boolean {
    const t = this.peek(k);
    return t?.type === 'name' && t.value === v;
  }

  expectOp(v: string): void {
    if (!this.isOp(v)) this.fail(`expected '${v}'${this.peek() === undefined ? ', got the end of the tag' : `, got '${this.peek()?.value ?? ''}'`}`);
    this.i++;
  }

  expectName(v?: string): string {
    const t = this.peek();
    if (t?.type !== 'name' || (v !== undefined && t.value !== v)) this.fail(`expected ${v === undefined ? 'a name' : `'${v}'`}${t === undefined ? '' : `, got '${t.value}'`}`);
    this.i++;
    return t.value;
  }

  expectEnd(): void {
    const t = this.peek();
    if (t !== undefined) this.fail(`unexpected '${t.value}'`);
  }

  /** expr, or a tuple of them when commas follow (`a, b`), as in {{ }} and set. */
  tuple(withCond = true): Expr {
    const first = this.expression(withCond);
    if (!this.isOp(',')) return first;
    const items = [first];
    while (this.isOp(',')) {
      this.i++;
      if (this.done || this.isOp(')') || this.isName('if')) break;
      items.push(this.expression(withCond));
    }
    return { t: 'tuple', items };
  }

  expression(withCond = true): Expr {
    const e = this.or();
    if (!withCond || !this.isName('if')) return e;
    const line = this.next().line;
    const test = this.or();
    let otherwise: Expr | undefined;
    if (this.isName('else')) {
      this.i++;
      otherwise = this.expression();
    }
    return { t: 'cond', test, then: e, else: otherwise, line };
  }

  private or(): Expr {
    let left = this.and();
    while (this.isName('or')) {
      this.i++;
      left = { t: 'or', left, right: this.and() };
    }
    return left;
  }

  private and(): Expr {
    let left = this.not();
    while (this.isName('and')) {
      this.i++;
      left = { t: 'and', left, right: this.not() };
    }
    return left;
  }

  private not(): Expr {
    if (this.isName('not')) {
      this.i++;
      return { t: 'unary', op: 'not', operand: this.not() };
    }
    return this.compare();
  }

  private compare(): Expr {
    const line = this.peek()?.line ?? this.line;
    const first = this.math1();
    const ops: [string, Expr][] = [];
    for (;;) {
      const t = this.peek();
      if (t?.type === 'op' && COMPARE.has(t.value)) {
        this.i++;
        ops.push([t.value, this.math1()]);
      } else if (this.isName('in')) {
        this.i++;
        ops.push(['in', this.math1()]);
      } else if (this.isName('not') && this.isName('in', 1)) {
        this.i += 2;
        ops.push(['notin', this.math1()]);
      } else break;
    }
    return ops.length === 0 ? first : { t: 'compare', first, ops, line };
  }

  private binary(next: () => Expr, ops: readonly string[]): Expr {
    let left = next();
    for (;;) {
      const t = this.peek();
      if (t?.type !== 'op' || !ops.includes(t.value)) return left;
      this.i++;
      left = { t: 'binop', op: t.value, left, right: next(), line: t.line };
    }
  }

  private math1(): Expr {
    return this.binary(() => this.concat(), ['+', '-']);
  }

  private concat(): Expr {
    return this.binary(() => this.math2(), ['~']);
  }

  private math2(): Expr {
    return this.binary(() => this.pow(), ['*', '/', '//', '%']);
  }

  private pow(): Expr {
    return this.binary(() => this.unary(), ['**']);
  }

  private unary(withFilter = true): Expr {
    let node: Expr;
    if (this.isOp('-') || this.isOp('+')) {
      const op = this.next().value as '-' | '+';
      node = { t: 'unary', op, operand: this.unary(false) };
    } else node = this.primary();
    node = this.postfix(node);
    return withFilter ? this.filterExpr(node) : node;
  }

  private primary(): Expr {
    const t = this.next();
    switch (t.type) {
      case 'name':
        if (t.value in CONSTS) return { t: 'const', value: CONSTS[t.value] };
        return { t: 'name', name: t.value, line: t.line };
      case 'string': {
        let s = t.value;
        // Adjacent string literals join, as in Python.
        while (this.peek()?.type === 'string') s += this.next().value;
        return { t: 'const', value: s };
      }
      case 'int': {
        const v = t.value;
        const n = /^0[bB]/.test(v) ? Number.parseInt(v.slice(2), 2) : /^0[oO]/.test(v) ? Number.parseInt(v.slice(2), 8) : Number(v);
        return { t: 'const', value: n };
      }
      case 'float':
        return { t: 'const', value: float(Number(t.value)) };
      case 'op':
        if (t.value === '(') {
          if (this.isOp(')')) {
            this.i++;
            return { t: 'const', value: tuple([]) };
          }
          const e = this.tuple();
          this.expectOp(')');
          return e;
        }
        if (t.value === '[') {
          const items: Expr[] = [];
          while (!this.isOp(']')) {
            items.push(this.expression());
            if (!this.isOp(',')) break;
            this.i++;
          }
          this.expectOp(']');
          return { t: 'list', items };
        }
        if (t.value === '{') {
          const items: [Expr, Expr][] = [];
          while (!this.isOp('}')) {
            const k = this.expression();
            this.expectOp(':');
            items.push([k, this.expression()]);
            if (!this.isOp(',')) break;
            this.i++;
          }
          this.expectOp('}');
          return { t: 'dict', items };
        }
        break;
      default:
        break;
    }
    return this.fail(`unexpected '${t.value}'`);
  }

  private postfix(node: Expr): Expr {
    for (;;) {
      if (this.isOp('.')) {
        const line = this.next().line;
        const t = this.next();
        if (t.type === 'name') node = { t: 'attr', obj: node, name: t.value, line };
        else if (t.type === 'int') node = { t: 'item', obj: node, key: { t: 'const', value: Number(t.value) }, line };
        else this.fail(`expected a name after '.', got '${t.value}'`);
      } else if (this.isOp('[')) {
        const line = this.next().line;
        node = this.subscript(node, line);
      } else if (this.isOp('(')) {
        node = this.call(node);
      } else return node;
    }
  }

  private subscript(obj: Expr, line: number): Expr {
    const part = (): Expr | undefined => (this.isOp(':') || this.isOp(']') ? undefined : this.expression());
    const start = part();
    if (!this.isOp(':')) {
      this.expectOp(']');
      if (start === undefined) this.fail('expected an index');
      return { t: 'item', obj, key: start, line };
    }
    this.i++;
    const stop = part();
    let step: Expr | undefined;
    if (this.isOp(':')) {
      this.i++;
      step = part();
    }
    this.expectOp(']');
    return { t: 'slice', obj, ...(start === undefined ? {} : { start }), ...(stop === undefined ? {} : { stop }), ...(step === undefined ? {} : { step }) };
  }

  /** `(a, b, k=v)` */
  callArgs(): { args: Expr[]; kwargs: [string, Expr][] } {
    this.expectOp('(');
    const args: Expr[] = [];
    const kwargs: [string, Expr][] = [];
    while (!this.isOp(')')) {
      if (this.isOp('*') || this.isOp('**')) this.fail('*args and **kwargs are not supported');
      if (this.peek()?.type === 'name' && this.isOp('=', 1)) {
        const k = this.next().value;
        this.i++;
        kwargs.push([k, this.expression()]);
      } else {
        if (kwargs.length > 0) this.fail('positional argument after keyword argument');
        args.push(this.expression());
      }
      if (!this.isOp(',')) break;
      this.i++;
    }
    this.expectOp(')');
    return { args, kwargs };
  }

  private call(fn: Expr): Expr {
    const line = this.peek()?.line ?? this.line;
    const { args, kwargs } = this.callArgs();
    return { t: 'call', fn, args, kwargs, line };
  }

  /** One filter after a '|': a dotted name and optional arguments. */
  filterCall(): FilterCall {
    const line = this.peek()?.line ?? this.line;
    let name = this.expectName();
    while (this.isOp('.') && this.peek(1)?.type === 'name') {
      this.i++;
      name += `.${this.next().value}`;
    }
    // An unknown filter is an error when the template is compiled, as in Jinja.
    filterNamed(name, line);
    const { args, kwargs } = this.isOp('(') ? this.callArgs() : { args: [], kwargs: [] };
    return { name, args, kwargs, line };
  }

  private filterExpr(node: Expr): Expr {
    for (;;) {
      if (this.isOp('|')) {
        this.i++;
        const f = this.filterCall();
        node = { t: 'filter', value: node, ...f };
      } else if (this.isName('is')) {
        const line = this.next().line;
        const negated = this.isName('not');
        if (negated) this.i++;
        let name = this.expectName();
        while (this.isOp('.') && this.peek(1)?.type === 'name') {
          this.i++;
          name += `.${this.next().value}`;
        }
        testNamed(name, line);
        let args: Expr[] = [];
        if (this.isOp('(')) args = this.callArgs().args;
        else if (this.startsPrimary()) args = [this.unary(false)];
        node = { t: 'test', value: node, name, args, negated, line };
      } else if (this.isOp('(')) {
        node = this.call(node);
      } else return node;
    }
  }

  /** `x is divisibleby 3`: a test takes one bare argument when a value follows. */
  private startsPrimary(): boolean {
    const t = this.peek();
    if (t === undefined) return false;
    if (t.type === 'name') return !['else', 'or', 'and'].includes(t.value);
    if (t.type === 'op') return t.value === '[' || t.value === '{';
    return true;
  }
}
