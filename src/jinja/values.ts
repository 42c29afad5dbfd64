/**
 * Python values as Jinja sees them, on JavaScript values: str (string), int (an integer
 * number), float (a non-integer number, or PyFloat for a whole one such as 2.0), bool,
 * None (null), list (array), tuple (an array marked as one), dict (plain object), and
 * Undefined. str() and repr() print them as Python does, so a template renders the
 * same text as under Ansible.
 */
import { FtlError } from '../base/errors.js';

/** Errors while rendering; the template action reports them per host. */
export class TemplateError extends FtlError {
  override readonly name = 'TemplateError';
  constructor(
    message: string,
    /** Ansible's exception class name, which its message starts with. */
    readonly kind: 'AnsibleUndefinedVariable' | 'AnsibleError' | 'AnsibleFilterError' | 'TemplateSyntaxError' = 'AnsibleError',
    readonly line?: number,
  ) {
    super('FTL_TEMPLATE', line === undefined ? message : `${message} (line ${line})`);
  }
}

/** A whole float (2.0): JavaScript has one number type, Python prints these with '.0'. */
export class PyFloat {
  constructor(readonly value: number) {}
}

/**
 * A missing variable, attribute or item: an error as soon as it is printed or used
 * (Ansible's undefined is strict). An inline if without else gives a lenient one, as in
 * Jinja: it prints as nothing and is false, but is still not defined.
 */
export class Undefined {
  constructor(
    readonly message: string,
    /** The missing name, for messages such as mandatory's. */
    readonly name?: string,
    readonly lenient = false,
  ) {}
  fail(): never {
    throw new TemplateError(`${this.message}. ${this.message}`, 'AnsibleUndefinedVariable');
  }
}

/** A str's characters as Python counts them (code points, not UTF-16 units). */
export function codePoints(s: string): string[] {
  return Array.from(s);
}

/** Array.isArray, narrowing to unknown[] (not any[]). */
export function isList(v: unknown): v is unknown[] {
  return Array.isArray(v);
}

const tuples = new WeakSet<unknown[]>();

export function tuple(items: unknown[]): unknown[] {
  tuples.add(items);
  return items;
}

export function isTuple(v: unknown): boolean {
  return Array.isArray(v) && tuples.has(v);
}

export type Dict = Record<string, unknown>;

export function isDict(v: unknown): v is Dict {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof PyFloat) && !(v instanceof Undefined) && typeof (v as { call?: unknown }).call !== 'function';
}

export function isNumber(v: unknown): v is number | PyFloat {
  return typeof v === 'number' || v instanceof PyFloat;
}

export function isFloat(v: unknown): boolean {
  return v instanceof PyFloat || (typeof v === 'number' && !Number.isInteger(v));
}

export function numberOf(v: number | PyFloat): number {
  return v instanceof PyFloat ? v.value : v;
}

/** A float result: whole values keep their float-ness. */
export function float(n: number): number | PyFloat {
  return Number.isInteger(n) ? new PyFloat(n) : n;
}

/** Python's float repr: shortest digits, fixed between 1e-4 and 1e16, else scientific. */
export function floatRepr(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  if (n === 0) return Object.is(n, -0) ? '-0.0' : '0.0';
  const [mant = '0', expText = '0'] = n.toExponential().split('e');
  const exp = Number.parseInt(expText, 10);
  const neg = mant.startsWith('-');
  const digits = mant.replace('-', '').replace('.', '');
  let out: string;
  if (exp >= -4 && exp < 16) {
    if (exp >= 0) {
      const whole = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
      const frac = digits.slice(exp + 1);
      out = `${whole}.${frac === '' ? '0' : frac}`;
    } else {
      out = `0.${'0'.repeat(-exp - 1)}${digits}`;
    }
  } else {
    const m = digits.length > 1 ? `${digits[0] ?? ''}.${digits.slice(1)}` : digits;
    out = `${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  return neg ? `-${out}` : out;
}

/** Python's repr() of a str: single quotes unless the text has one and no double quote. */
export function strRepr(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = q;
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === '\\') out += '\\\\';
    else if (ch === q) out += `\\${q}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if (c >= 0x80 && c < 0xa0) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if (c >= 0xd800 && c <= 0xdfff) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out + q;
}

export function repr(v: unknown): string {
  if (typeof v === 'string') return strRepr(v);
  if (Array.isArray(v)) {
    const inner = v.map(repr).join(', ');
    if (isTuple(v)) return v.length === 1 ? `(${inner},)` : `(${inner})`;
    return `[${inner}]`;
  }
  if (isDict(v)) return `{${Object.entries(v).map(([k, x]) => `${strRepr(k)}: ${repr(x)}`).join(', ')}}`;
  return str(v);
}

/** Python's str(). */
export function str(v: unknown): string {
  if (v instanceof Undefined) return v.lenient ? '' : v.fail();
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (v instanceof PyFloat) return floatRepr(v.value);
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : floatRepr(v);
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'function') return '<function>';
  return repr(v);
}

/** Python's truth value; an undefined value is an error (Ansible's undefined is strict). */
export function truthy(v: unknown): boolean {
  if (v instanceof Undefined) return v.lenient ? false : v.fail();
  if (v === null || v === undefined || v === false) return false;
  if (typeof v === 'number') return v !== 0;
  if (v instanceof PyFloat) return v.value !== 0;
  if (typeof v === 'string') return v.length > 0;
  if (Array.isArray(v)) return v.length > 0;
  if (isDict(v)) return Object.keys(v).length > 0;
  return true;
}

/** Python's type names, for messages ('dict object' has no attribute ...). */
export function typeName(v: unknown): string {
  if (v === null || v === undefined) return 'NoneType';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'string') return 'str';
  if (isFloat(v)) return 'float';
  if (typeof v === 'number') return 'int';
  if (isTuple(v)) return 'tuple';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'function') return 'function';
  return 'dict';
}

/** Python's ==: 1 == 1.0, True == 1, lists and dicts by value. */
export function equals(a: unknown, b: unknown): boolean {
  if (a instanceof Undefined) a.fail();
  if (b instanceof Undefined) b.fail();
  const na = typeof a === 'boolean' ? Number(a) : a;
  const nb = typeof b === 'boolean' ? Number(b) : b;
  if (isNumber(na) && isNumber(nb)) return numberOf(na) === numberOf(nb);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => equals(x, b[i]));
  if (isDict(a) && isDict(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && equals(a[k], b[k]));
  }
  return a === b;
}

/** Python's ordering (<): numbers, strings, lists element by element; else a TypeError as Python raises. */
export function compare(a: unknown, b: unknown, op: string): number {
  const na = typeof a === 'boolean' ? Number(a) : a;
  const nb = typeof b === 'boolean' ? Number(b) : b;
  if (isNumber(na) && isNumber(nb)) return numberOf(na) - numberOf(nb);
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      if (!equals(a[i], b[i])) return compare(a[i], b[i], op);
    }
    return a.length - b.length;
  }
  if (a instanceof Undefined) a.fail();
  if (b instanceof Undefined) b.fail();
  throw new TemplateError(`'${op}' not supported between instances of '${typeName(a)}' and '${typeName(b)}'`);
}

/** Python's `in`. */
export function contains(container: unknown, item: unknown): boolean {
  if (container instanceof Undefined) container.fail();
  if (typeof container === 'string') {
    if (typeof item !== 'string') throw new TemplateError(`'in <string>' requires string as left operand, not ${typeName(item)}`);
    return container.includes(item);
  }
  if (Array.isArray(container)) return container.some((x) => equals(x, item));
  if (isDict(container)) return typeof item === 'string' ? Object.prototype.hasOwnProperty.call(container, item) : Object.keys(container).some((k) => equals(k, item));
  throw new TemplateError(`argument of type '${typeName(container)}' is not iterable`);
}

/** What a for loop walks: a list's items, a str's characters, a dict's keys. */
export function iterate(v: unknown): unknown[] {
  if (v instanceof Undefined) return v.lenient ? [] : v.fail();
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') return codePoints(v);
  if (isDict(v)) return Object.keys(v);
  throw new TemplateError(`'${typeName(v)}' object is not iterable`);
}

export function length(v: unknown): number {
  if (v instanceof Undefined) return v.lenient ? 0 : v.fail();
  if (typeof v === 'string') return codePoints(v).length;
  if (Array.isArray(v)) return v.length;
  if (isDict(v)) return Object.keys(v).length;
  throw new TemplateError(`object of type '${typeName(v)}' has no len()`);
}
