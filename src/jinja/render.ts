/**
 * Renders a parsed template with variables: Jinja's scoping (a for loop's body has its
 * own scope; namespace() carries values out of it), the loop variable, and Ansible's
 * output rules (None prints as nothing, an undefined value is an error).
 */
import type { Expr, FilterCall, Node, Target } from './ast.js';
import { filterNamed } from './filters.js';
import { Kwargs, type Callable } from './methods.js';
import { binop, getattr, getitem, Namespace, negate, slice } from './ops.js';
import { testNamed } from './tests.js';
import { compare, contains, equals, isDict, iterate, str, TemplateError, truthy, tuple, typeName, Undefined } from './values.js';

class Scope {
  private readonly vars = new Map<string, unknown>();
  constructor(
    private readonly parent: Scope | undefined,
    private readonly root: Readonly<Record<string, unknown>>,
  ) {}

  get(name: string): unknown {
    if (this.vars.has(name)) return this.vars.get(name);
    if (this.parent !== undefined) return this.parent.get(name);
    if (Object.prototype.hasOwnProperty.call(this.root, name) || name in this.root) return this.root[name];
    return GLOBALS[name] ?? new Undefined(`'${name}' is undefined`, name);
  }

  set(name: string, v: unknown): void {
    this.vars.set(name, v);
  }

  child(): Scope {
    return new Scope(this, this.root);
  }
}

function range(...a: unknown[]): number[] {
  const n = a.map(Number);
  const [start, stop, step] = n.length === 1 ? [0, n[0] ?? 0, 1] : [n[0] ?? 0, n[1] ?? 0, n[2] ?? 1];
  if (step === 0) throw new TemplateError('range() arg 3 must not be zero');
  const out: number[] = [];
  for (let i = start; step > 0 ? i < stop : i > stop; i += step) {
    out.push(i);
    if (out.length > 100_000) throw new TemplateError('range too big (over 100000 items)');
  }
  return out;
}

function kwargsOf(args: unknown[]): Record<string, unknown> {
  const last = args.at(-1);
  return last instanceof Kwargs ? last.values : {};
}

const unsupportedLookup: Callable = () => {
  throw new TemplateError("lookup()/query() plugins do not run in ftl's template engine; read the value in JavaScript and pass it in the call's vars", 'AnsibleError');
};

const GLOBALS: Record<string, Callable> = {
  range,
  dict: (...a) => ({ ...kwargsOf(a) }),
  namespace: (...a) => new Namespace({ ...(isDict(a[0]) ? a[0] : {}), ...kwargsOf(a) }),
  lookup: unsupportedLookup,
  query: unsupportedLookup,
  q: unsupportedLookup,
};

export class Renderer {
  private readonly out: string[] = [];

  constructor(private readonly newline: string) {}

  render(nodes: readonly Node[], vars: Readonly<Record<string, unknown>>): string {
    this.nodes(nodes, new Scope(undefined, vars));
    return this.out.join('');
  }

  private nodes(nodes: readonly Node[], scope: Scope): void {
    for (const n of nodes) this.node(n, scope);
  }

  /** Renders nodes into a string of their own (set blocks, filter blocks). */
  private capture(nodes: readonly Node[], scope: Scope): string {
    const mark = this.out.length;
    this.nodes(nodes, scope);
    return this.out.splice(mark).join('');
  }

  private node(n: Node, scope: Scope): void {
    switch (n.t) {
      case 'text':
        this.out.push(this.newline === '\n' ? n.value : n.value.replace(/\n/g, this.newline));
        return;
      case 'output': {
        const v = this.expr(n.expr, scope);
        // Ansible's finalize: None prints as nothing (an undefined value fails in str()).
        this.out.push(v === null || v === undefined ? '' : str(v));
        return;
      }
      case 'if': {
        const hit = n.branches.find((b) => truthy(this.expr(b.test, scope)));
        this.nodes(hit === undefined ? n.else : hit.body, scope);
        return;
      }
      case 'for':
        this.forLoop(n, scope);
        return;
      case 'set':
        this.assign(n.target, this.expr(n.expr, scope), scope);
        return;
      case 'setblock':
        scope.set(n.name, this.applyFilters(this.capture(n.body, scope), n.filters, scope));
        return;
      case 'filterblock':
        this.out.push(str(this.applyFilters(this.capture(n.body, scope.child()), n.filters, scope)));
        return;
      case 'with': {
        const inner = scope.child();
        for (const [name, e] of n.assigns) inner.set(name, this.expr(e, scope));
        this.nodes(n.body, inner);
        return;
      }
    }
  }

  private assign(target: Target, v: unknown, scope: Scope): void {
    if (target.t === 'nsattr') {
      const ns = scope.get(target.ns);
      if (!(ns instanceof Namespace)) throw new TemplateError(`cannot assign attribute on non-namespace object '${target.ns}'`);
      ns.attrs[target.attr] = v;
      return;
    }
    if (!target.unpack) {
      scope.set(target.names[0] ?? '', v);
      return;
    }
    const items = iterate(v);
    if (items.length !== target.names.length) throw new TemplateError(`cannot unpack ${items.length} values into ${target.names.length} names`);
    target.names.forEach((name, i) => {
      scope.set(name, items[i]);
    });
  }

  private forLoop(n: Extract<Node, { t: 'for' }>, scope: Scope): void {
    let items = iterate(this.expr(n.iter, scope));
    if (n.filter !== undefined) {
      const filter = n.filter;
      items = items.filter((item) => {
        const s = scope.child();
        this.assign(n.target, item, s);
        return truthy(this.expr(filter, s));
      });
    }
    if (items.length === 0) {
      this.nodes(n.else, scope);
      return;
    }
    let lastChanged: unknown[] | undefined;
    items.forEach((item, i) => {
      const s = scope.child();
      this.assign(n.target, item, s);
      const len = items.length;
      s.set('loop', {
        index: i + 1,
        index0: i,
        revindex: len - i,
        revindex0: len - i - 1,
        first: i === 0,
        last: i === len - 1,
        length: len,
        previtem: i > 0 ? items[i - 1] : new Undefined("'loop' has no previous item"),
        nextitem: i < len - 1 ? items[i + 1] : new Undefined("'loop' has no next item"),
        // Depth counts recursive loops only, which this engine does not have.
        depth: 1,
        depth0: 0,
        cycle: (...values: unknown[]) => {
          const vs = values.filter((x) => !(x instanceof Kwargs));
          if (vs.length === 0) throw new TemplateError('no items for cycling given');
          return vs[i % vs.length];
        },
        changed: (...values: unknown[]) => {
          const changed = lastChanged === undefined || !equals(lastChanged, values);
          lastChanged = values;
          return changed;
        },
      });
      this.nodes(n.body, s);
    });
  }

  private applyFilters(v: unknown, filters: readonly FilterCall[], scope: Scope): unknown {
    let cur = v;
    for (const f of filters) cur = filterNamed(f.name, f.line)(cur, f.args.map((a) => this.expr(a, scope)), this.kwargs(f.kwargs, scope));
    return cur;
  }

  private kwargs(kw: readonly [string, Expr][], scope: Scope): Record<string, unknown> {
    return Object.fromEntries(kw.map(([k, e]) => [k, this.expr(e, scope)]));
  }

  private expr(e: Expr, scope: Scope): unknown {
    switch (e.t) {
      case 'const':
        return e.value;
      case 'name':
        return scope.get(e.name);
      case 'attr':
        return getattr(this.expr(e.obj, scope), e.name);
      case 'item':
        return getitem(this.expr(e.obj, scope), this.expr(e.key, scope));
      case 'slice': {
        const v = (x: Expr | undefined): unknown => (x === undefined ? undefined : this.expr(x, scope));
        return slice(this.expr(e.obj, scope), v(e.start), v(e.stop), v(e.step));
      }
      case 'call': {
        const fn = this.expr(e.fn, scope);
        if (fn instanceof Undefined) fn.fail();
        if (typeof fn !== 'function') throw new TemplateError(`'${typeName(fn)}' object is not callable`);
        const args = e.args.map((a) => this.expr(a, scope));
        if (e.kwargs.length > 0) args.push(new Kwargs(this.kwargs(e.kwargs, scope)));
        return (fn as Callable)(...args);
      }
      case 'filter':
        return filterNamed(e.name, e.line)(
          this.expr(e.value, scope),
          e.args.map((a) => this.expr(a, scope)),
          this.kwargs(e.kwargs, scope),
        );
      case 'test': {
        const ok = testNamed(e.name, e.line)(this.expr(e.value, scope), ...e.args.map((a) => this.expr(a, scope)));
        return e.negated ? !ok : ok;
      }
      case 'binop':
        return binop(e.op, this.expr(e.left, scope), this.expr(e.right, scope));
      case 'unary': {
        const v = this.expr(e.operand, scope);
        return e.op === 'not' ? !truthy(v) : negate(v, e.op);
      }
      case 'and': {
        const l = this.expr(e.left, scope);
        return truthy(l) ? this.expr(e.right, scope) : l;
      }
      case 'or': {
        const l = this.expr(e.left, scope);
        return truthy(l) ? l : this.expr(e.right, scope);
      }
      case 'compare': {
        let left = this.expr(e.first, scope);
        for (const [op, re] of e.ops) {
          const right = this.expr(re, scope);
          if (!this.compareOne(op, left, right)) return false;
          left = right;
        }
        return true;
      }
      case 'cond':
        if (truthy(this.expr(e.test, scope))) return this.expr(e.then, scope);
        return e.else === undefined ? new Undefined(`the inline if-expression on line ${e.line} evaluated to false and no else section was defined.`, undefined, true) : this.expr(e.else, scope);
      case 'list':
        return e.items.map((x) => this.expr(x, scope));
      case 'tuple':
        return tuple(e.items.map((x) => this.expr(x, scope)));
      case 'dict':
        return Object.fromEntries(e.items.map(([k, v]) => [str(this.expr(k, scope)), this.expr(v, scope)]));
    }
  }

  private compareOne(op: string, a: unknown, b: unknown): boolean {
    switch (op) {
      case '==':
        return equals(a, b);
      case '!=':
        return !equals(a, b);
      case 'in':
        return contains(b, a);
      case 'notin':
        return !contains(b, a);
      default: {
        const c = compare(a, b, op);
        return op === '<' ? c < 0 : op === '>' ? c > 0 : op === '<=' ? c <= 0 : c >= 0;
      }
    }
  }
}
