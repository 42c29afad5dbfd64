/**
 * Python's operators and lookups on template values: + - * / // % ** ~, attribute and
 * item access (Jinja's rules: `.` prefers methods, `[]` prefers items), and slices.
 */
import { methodOf } from './methods.js';
import { pyFormat } from './pyformat.js';
import { codePoints, float, isDict, isFloat, isList, isNumber, isTuple, numberOf, PyFloat, str, TemplateError, tuple, typeName, Undefined } from './values.js';

/** A namespace() object: the one thing a loop body can assign into for use outside it. */
export class Namespace {
  constructor(readonly attrs: Record<string, unknown>) {}
}

function num(v: unknown): number | PyFloat | undefined {
  if (typeof v === 'boolean') return Number(v);
  return isNumber(v) ? v : undefined;
}

function arith(op: string, a: number | PyFloat, b: number | PyFloat): unknown {
  const x = numberOf(a);
  const y = numberOf(b);
  const anyFloat = isFloat(a) || isFloat(b);
  const result = (n: number): unknown => (anyFloat ? float(n) : n);
  switch (op) {
    case '+':
      return result(x + y);
    case '-':
      return result(x - y);
    case '*':
      return result(x * y);
    case '/':
      if (y === 0) throw new TemplateError('division by zero');
      return float(x / y);
    case '//':
      if (y === 0) throw new TemplateError('integer division or modulo by zero');
      return result(Math.floor(x / y));
    case '%': {
      if (y === 0) throw new TemplateError('integer division or modulo by zero');
      // Python's modulo takes the sign of the divisor.
      return result(((x % y) + y) % y);
    }
    case '**':
      return !anyFloat && y < 0 ? float(x ** y) : result(x ** y);
    default:
      throw new TemplateError(`unknown operator ${op}`);
  }
}

function repeat<T>(items: T, times: number, join: (parts: T[]) => T): T {
  return join(Array.from({ length: Math.max(0, times) }, () => items));
}

export function binop(op: string, a: unknown, b: unknown): unknown {
  if (a instanceof Undefined) a.fail();
  if (b instanceof Undefined) b.fail();
  if (op === '~') return str(a) + str(b);
  const na = num(a);
  const nb = num(b);
  if (na !== undefined && nb !== undefined) return arith(op, na, nb);
  if (op === '+') {
    if (typeof a === 'string' && typeof b === 'string') return a + b;
    if (isList(a) && isList(b) && isTuple(a) === isTuple(b)) return isTuple(a) ? tuple([...a, ...b]) : [...a, ...b];
    if (typeof a === 'string') throw new TemplateError(`can only concatenate str (not "${typeName(b)}") to str`);
    if (isList(a)) throw new TemplateError(`can only concatenate ${typeName(a)} (not "${typeName(b)}") to ${typeName(a)}`);
  }
  if (op === '*') {
    const [seq, times] = nb !== undefined && !isFloat(nb) ? [a, numberOf(nb)] : na !== undefined && !isFloat(na) ? [b, numberOf(na)] : [undefined, 0];
    if (typeof seq === 'string') return repeat(seq, times, (p) => p.join(''));
    if (isList(seq)) return repeat(seq, times, (p) => p.flat(1));
  }
  if (op === '%' && typeof a === 'string') return pyFormat(a, b);
  throw new TemplateError(`unsupported operand type(s) for ${op}: '${typeName(a)}' and '${typeName(b)}'`);
}

export function negate(v: unknown, op: '-' | '+'): unknown {
  const n = num(v);
  if (n === undefined) {
    if (v instanceof Undefined) v.fail();
    throw new TemplateError(`bad operand type for unary ${op}: '${typeName(v)}'`);
  }
  if (op === '+') return n;
  return isFloat(n) ? float(-numberOf(n)) : -numberOf(n);
}

/** Jinja's name for an object in messages ('dict object', 'None'). */
function objectRepr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  return `${typeName(v)} object`;
}

/** `obj.name`: methods first (Jinja's getattr), then items of a dict. */
export function getattr(obj: unknown, name: string): unknown {
  if (obj instanceof Undefined) return obj;
  if (obj instanceof Namespace) return name in obj.attrs ? obj.attrs[name] : new Undefined(`'Namespace object' has no attribute '${name}'`, name);
  const m = methodOf(obj, name);
  if (m !== undefined) return m;
  if (isDict(obj) && Object.prototype.hasOwnProperty.call(obj, name)) return obj[name];
  return new Undefined(`'${objectRepr(obj)}' has no attribute '${name}'`, name);
}

function index(len: number, i: number): number | undefined {
  const at = i < 0 ? len + i : i;
  return at >= 0 && at < len ? at : undefined;
}

/** `obj[key]`: items first (Jinja's getitem), then attributes for a str key. */
export function getitem(obj: unknown, key: unknown): unknown {
  if (obj instanceof Undefined) return obj;
  if (key instanceof Undefined) key.fail();
  if (isDict(obj)) {
    const k = typeof key === 'string' ? key : str(key);
    if (Object.prototype.hasOwnProperty.call(obj, k)) return obj[k];
  } else if ((isList(obj) || typeof obj === 'string') && (typeof key === 'number' || typeof key === 'boolean')) {
    const i = Number(key);
    const items = typeof obj === 'string' ? codePoints(obj) : obj;
    const at = Number.isInteger(i) ? index(items.length, i) : undefined;
    if (at !== undefined) return items[at];
    return new Undefined(`${objectRepr(obj)} has no element ${str(key)}`);
  } else if (obj instanceof Namespace && typeof key === 'string' && key in obj.attrs) return obj.attrs[key];
  if (typeof key === 'string') return getattr(obj, key);
  return new Undefined(`${objectRepr(obj)} has no element ${str(key)}`);
}

/** Python's slice [start:stop:step] of a list, tuple or str. */
export function slice(obj: unknown, start: unknown, stop: unknown, step: unknown): unknown {
  if (obj instanceof Undefined) obj.fail();
  const items = typeof obj === 'string' ? codePoints(obj) : isList(obj) ? obj : undefined;
  if (items === undefined) throw new TemplateError(`'${typeName(obj)}' object is not subscriptable`);
  const n = items.length;
  const s = step === undefined || step === null ? 1 : Number(step);
  if (s === 0) throw new TemplateError('slice step cannot be zero');
  const clamp = (v: unknown, dflt: number, lo: number, hi: number): number => {
    if (v === undefined || v === null) return dflt;
    let i = Number(v);
    if (i < 0) i += n;
    return Math.min(Math.max(i, lo), hi);
  };
  const out: unknown[] = [];
  if (s > 0) for (let i = clamp(start, 0, 0, n); i < clamp(stop, n, 0, n); i += s) out.push(items[i]);
  else for (let i = clamp(start, n - 1, -1, n - 1); i > clamp(stop, -1, -1, n - 1); i += s) out.push(items[i]);
  if (typeof obj === 'string') return out.join('');
  return isTuple(obj) ? tuple(out) : out;
}
