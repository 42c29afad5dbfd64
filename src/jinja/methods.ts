/**
 * The Python methods templates call on values: str (split, strip, startswith, ...),
 * dict (items, keys, get, ...) and list (index, count, append, ...). A method is a plain
 * function bound to its value; keyword arguments arrive as a trailing Kwargs object.
 */
import { codePoints, equals, isDict, isList, iterate, str, TemplateError, tuple, typeName, Undefined } from './values.js';

/** Keyword arguments of a call, passed as the last argument. */
export class Kwargs {
  constructor(readonly values: Record<string, unknown>) {}
}

export type Callable = (...args: unknown[]) => unknown;

function positional(args: unknown[]): unknown[] {
  return args.filter((a) => !(a instanceof Kwargs));
}

function text(v: unknown, what: string): string {
  if (typeof v !== 'string') throw new TemplateError(`${what} argument must be str, not ${typeName(v)}`);
  return v;
}

function pyStrip(s: string, chars: unknown, left: boolean, right: boolean): string {
  const set = chars === undefined || chars === null ? undefined : new Set(codePoints(text(chars, 'strip')));
  const strip = (c: string): boolean => (set === undefined ? /\s/.test(c) : set.has(c));
  const cs = codePoints(s);
  let a = 0;
  let b = cs.length;
  if (left) while (a < b && strip(cs[a] ?? '')) a++;
  if (right) while (b > a && strip(cs[b - 1] ?? '')) b--;
  return cs.slice(a, b).join('');
}

/** str.split(sep=None, maxsplit=-1) as Python splits. */
export function pySplit(s: string, sep: unknown, maxsplit: unknown): string[] {
  const max = maxsplit === undefined || maxsplit === null ? -1 : Number(maxsplit);
  if (sep === undefined || sep === null) {
    const words: string[] = [];
    let rest = s.replace(/^\s+/, '');
    while (rest !== '') {
      if (max >= 0 && words.length === max) {
        words.push(rest);
        break;
      }
      const m = /\s+/.exec(rest);
      if (m === null) {
        words.push(rest);
        break;
      }
      words.push(rest.slice(0, m.index));
      rest = rest.slice(m.index + m[0].length);
    }
    return words;
  }
  const d = text(sep, 'split');
  if (d === '') throw new TemplateError('empty separator');
  const parts = s.split(d);
  if (max < 0 || parts.length <= max + 1) return parts;
  return [...parts.slice(0, max), parts.slice(max).join(d)];
}

function strMethod(s: string, name: string): Callable | undefined {
  const m: Record<string, Callable> = {
    upper: () => s.toUpperCase(),
    lower: () => s.toLowerCase(),
    strip: (c) => pyStrip(s, c, true, true),
    lstrip: (c) => pyStrip(s, c, true, false),
    rstrip: (c) => pyStrip(s, c, false, true),
    split: (...a) => pySplit(s, positional(a)[0], positional(a)[1]),
    rsplit: (...a) => {
      const [sep, max] = positional(a);
      if (max === undefined || Number(max) < 0) return pySplit(s, sep, -1);
      const parts = pySplit(s, sep, -1);
      const n = Number(max);
      const d = typeof sep === 'string' ? sep : ' ';
      return parts.length <= n + 1 ? parts : [parts.slice(0, parts.length - n).join(d), ...parts.slice(parts.length - n)];
    },
    splitlines: () => s.split(/\r\n|\n|\r/).filter((l, i, all) => !(i === all.length - 1 && l === '')),
    startswith: (p) => (isList(p) ? p.some((x) => s.startsWith(text(x, 'startswith'))) : s.startsWith(text(p, 'startswith'))),
    endswith: (p) => (isList(p) ? p.some((x) => s.endsWith(text(x, 'endswith'))) : s.endsWith(text(p, 'endswith'))),
    replace: (a, b, n) => {
      const from = text(a, 'replace');
      const to = text(b, 'replace');
      if (n === undefined || Number(n) < 0) return s.split(from).join(to);
      const parts = s.split(from);
      const k = Number(n);
      return parts.slice(0, k + 1).join(to) + (parts.length > k + 1 ? from + parts.slice(k + 1).join(from) : '');
    },
    find: (sub) => s.indexOf(text(sub, 'find')),
    rfind: (sub) => s.lastIndexOf(text(sub, 'rfind')),
    index: (sub) => {
      const i = s.indexOf(text(sub, 'index'));
      if (i < 0) throw new TemplateError('substring not found');
      return i;
    },
    count: (sub) => s.split(text(sub, 'count')).length - 1,
    join: (items) => iterate(items).map((x) => text(x, 'join')).join(s),
    capitalize: () => (s === '' ? s : (s[0] ?? '').toUpperCase() + s.slice(1).toLowerCase()),
    title: () => s.replace(/[A-Za-z]+/g, (w) => (w[0]?.toUpperCase() ?? '') + w.slice(1).toLowerCase()),
    isdigit: () => s !== '' && /^\d+$/.test(s),
    isalpha: () => s !== '' && /^[A-Za-z]+$/.test(s),
    isalnum: () => s !== '' && /^[A-Za-z0-9]+$/.test(s),
    isupper: () => /[A-Z]/.test(s) && s === s.toUpperCase(),
    islower: () => /[a-z]/.test(s) && s === s.toLowerCase(),
    isspace: () => s !== '' && /^\s+$/.test(s),
    zfill: (w) => (s.startsWith('-') || s.startsWith('+') ? (s[0] ?? '') + s.slice(1).padStart(Number(w) - 1, '0') : s.padStart(Number(w), '0')),
    ljust: (w, f) => s.padEnd(Number(w), typeof f === 'string' ? f : ' '),
    rjust: (w, f) => s.padStart(Number(w), typeof f === 'string' ? f : ' '),
    center: (w) => {
      const total = Number(w) - s.length;
      if (total <= 0) return s;
      const left = Math.floor(total / 2) + (total & Number(w) & 1);
      return ' '.repeat(left) + s + ' '.repeat(total - left);
    },
    format: (...a) => {
      const pos = positional(a);
      const kw = a.find((x): x is Kwargs => x instanceof Kwargs)?.values ?? {};
      let auto = 0;
      return s.replace(/\{\{|\}\}|\{([^{}]*)\}/g, (whole, field: string | undefined) => {
        if (whole === '{{') return '{';
        if (whole === '}}') return '}';
        const key = (field ?? '').split(':')[0] ?? '';
        const v = key === '' ? pos[auto++] : /^\d+$/.test(key) ? pos[Number(key)] : kw[key];
        return str(v);
      });
    },
  };
  return m[name];
}

function dictMethod(d: Record<string, unknown>, name: string): Callable | undefined {
  const m: Record<string, Callable> = {
    items: () => Object.entries(d).map(([k, v]) => tuple([k, v])),
    keys: () => Object.keys(d),
    values: () => Object.values(d),
    get: (k, dflt) => (typeof k === 'string' && Object.prototype.hasOwnProperty.call(d, k) ? d[k] : (dflt ?? null)),
    copy: () => ({ ...d }),
    update: (...a) => {
      const other = positional(a)[0];
      if (isDict(other)) Object.assign(d, other);
      const kw = a.find((x): x is Kwargs => x instanceof Kwargs);
      if (kw !== undefined) Object.assign(d, kw.values);
      return null;
    },
    pop: (k, dflt) => {
      const key = str(k);
      if (!(key in d)) {
        if (dflt === undefined) throw new TemplateError(repr(k));
        return dflt;
      }
      const v = d[key];
      // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- a dict's pop removes the key
      delete d[key];
      return v;
    },
    setdefault: (k, dflt) => {
      const key = str(k);
      if (!(key in d)) d[key] = dflt ?? null;
      return d[key];
    },
  };
  return m[name];
}

function repr(v: unknown): string {
  return typeof v === 'string' ? `'${v}'` : str(v);
}

function listMethod(l: unknown[], name: string): Callable | undefined {
  const m: Record<string, Callable> = {
    index: (x) => {
      const i = l.findIndex((y) => equals(x, y));
      if (i < 0) throw new TemplateError(`${repr(x)} is not in list`);
      return i;
    },
    count: (x) => l.filter((y) => equals(x, y)).length,
    append: (x) => {
      l.push(x);
      return null;
    },
    extend: (xs) => {
      l.push(...iterate(xs));
      return null;
    },
    insert: (i, x) => {
      l.splice(Number(i), 0, x);
      return null;
    },
    pop: (i) => {
      if (l.length === 0) throw new TemplateError('pop from empty list');
      return i === undefined ? l.pop() : l.splice(Number(i), 1)[0];
    },
    remove: (x) => {
      const i = l.findIndex((y) => equals(x, y));
      if (i < 0) throw new TemplateError('list.remove(x): x not in list');
      l.splice(i, 1);
      return null;
    },
    reverse: () => {
      l.reverse();
      return null;
    },
    copy: () => [...l],
  };
  return m[name];
}

/** A bound method of a value, or undefined when it has none by that name. */
export function methodOf(obj: unknown, name: string): Callable | undefined {
  if (obj instanceof Undefined || obj === null || obj === undefined) return undefined;
  if (typeof obj === 'string') return strMethod(obj, name);
  if (isList(obj)) return listMethod(obj, name);
  if (isDict(obj)) {
    const m = dictMethod(obj, name);
    // A function stored in the dict (loop.cycle) is its own attribute.
    if (m !== undefined) return m;
    const own = Object.prototype.hasOwnProperty.call(obj, name) ? obj[name] : undefined;
    return typeof own === 'function' ? (own as Callable) : undefined;
  }
  return undefined;
}

