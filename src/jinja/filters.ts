/**
 * Filters: Jinja's built-in ones and Ansible's most used, each with the semantics
 * (and, where it shows, the output) of the Python original.
 */
import { posix } from 'node:path';
import { dumpJson } from './json-dump.js';
import { pySplit } from './methods.js';
import { getattr, getitem } from './ops.js';
import { pyFormat } from './pyformat.js';
import { testNamed } from './tests.js';
import { codePoints, compare, contains, equals, float, isDict, isList, isNumber, iterate, length, numberOf, repr, str, TemplateError, truthy, tuple, typeName, Undefined } from './values.js';
import { dumpYaml } from './yaml-dump.js';

export type Filter = (value: unknown, args: unknown[], kw: Record<string, unknown>) => unknown;

/** The i-th positional argument, or the keyword of that name, or the default. */
function arg(args: unknown[], kw: Record<string, unknown>, i: number, name: string, dflt: unknown): unknown {
  if (i < args.length) return args[i];
  return name in kw ? kw[name] : dflt;
}

function defined(v: unknown): unknown {
  if (v instanceof Undefined) v.fail();
  return v;
}

/** An attribute path such as 'a.b' or 'a.0', as Jinja's attribute= arguments take it. */
function attrPath(v: unknown, path: unknown): unknown {
  let cur = v;
  for (const part of String(path).split('.')) cur = /^\d+$/.test(part) ? getitem(cur, Number(part)) : getitem(cur, part);
  return cur;
}

function toInt(v: unknown, dflt: unknown, base: unknown): unknown {
  if (typeof v === 'boolean') return Number(v);
  if (isNumber(v)) return Math.trunc(numberOf(v));
  if (typeof v === 'string') {
    const b = Number(base ?? 10);
    const t = v.trim().replace(/_/g, '');
    if (b === 10 && /^[-+]?\d+$/.test(t)) return Number.parseInt(t, 10);
    if (b === 10 && /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) return Math.trunc(Number(t));
    if (b !== 10 && /^[-+]?[0-9a-zA-Z]+$/.test(t)) {
      const n = Number.parseInt(t.replace(/^([-+]?)0[xob]/i, '$1'), b);
      if (!Number.isNaN(n)) return n;
    }
  }
  return dflt;
}

function toFloat(v: unknown, dflt: unknown): unknown {
  if (typeof v === 'boolean') return float(Number(v));
  if (isNumber(v)) return float(numberOf(v));
  if (typeof v === 'string' && /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(v)) return float(Number(v));
  return dflt;
}

function pyRegex(pattern: unknown, flags: string): RegExp {
  const p = String(pattern).replace(/\(\?P</g, '(?<').replace(/\(\?P=(\w+)\)/g, '\\k<$1>');
  return new RegExp(p, flags);
}

function regexFlags(kw: Record<string, unknown>): string {
  return (truthy(kw.ignorecase ?? false) ? 'i' : '') + (truthy(kw.multiline ?? false) ? 'm' : '');
}

/** Python's \1 and \g<name> in a replacement, as JavaScript's $1 and $<name>. */
function pyReplacement(r: string): string {
  return r.replace(/\$/g, '$$$$').replace(/\\g<(\w+)>/g, (_m, g: string) => (/^\d+$/.test(g) ? `$${g}` : `$<${g}>`)).replace(/\\(\d+)/g, '$$$1').replace(/\\\\/g, '\\');
}

function indentText(s: string, width: unknown, first: unknown, blank: unknown): string {
  const pad = typeof width === 'string' ? width : ' '.repeat(Number(width));
  const lines = s.split('\n');
  return lines.map((l, i) => (i === 0 && !truthy(first)) || (l === '' && !truthy(blank)) ? l : pad + l).join('\n');
}

function sortKey(caseSensitive: boolean, attribute: unknown): (v: unknown) => unknown {
  return (v) => {
    const x = attribute === undefined || attribute === null ? v : attrPath(v, attribute);
    return !caseSensitive && typeof x === 'string' ? x.toLowerCase() : x;
  };
}

function sorted(items: unknown[], key: (v: unknown) => unknown, reverse: boolean): unknown[] {
  const out = [...items].sort((a, b) => compare(key(a), key(b), '<'));
  return reverse ? out.reverse() : out;
}

function selectOrReject(keep: boolean, byAttr: boolean): Filter {
  return (v, args) => {
    const [first, testName, ...rest] = byAttr ? args : [undefined, ...args];
    return iterate(defined(v)).filter((item) => {
      const x = byAttr ? attrPath(item, first) : item;
      const ok = testName === undefined ? truthy(x) : testNamed(str(testName))(x, ...rest);
      return ok === keep;
    });
  };
}

function combine(dicts: unknown[], recursive: boolean, listMerge: string): Record<string, unknown> {
  const merge = (a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> => {
    const out: Record<string, unknown> = { ...a };
    for (const [k, v] of Object.entries(b)) {
      const old = out[k];
      if (recursive && isDict(old) && isDict(v)) out[k] = merge(old, v);
      else if (isList(old) && isList(v) && listMerge !== 'replace') {
        out[k] = listMerge === 'append' ? [...old, ...v] : listMerge === 'prepend' ? [...v, ...old] : listMerge === 'append_rp' ? [...old.filter((x) => !contains(v, x)), ...v] : [...v, ...old.filter((x) => !contains(v, x))];
      } else out[k] = v;
    }
    return out;
  };
  return dicts.flat(1).reduce<Record<string, unknown>>((acc, d) => {
    if (!isDict(d)) throw new TemplateError(`failed to combine variables, expected dicts but got a '${typeName(d)}'`);
    return merge(acc, d);
  }, {});
}

function unique(items: unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const x of items) if (!out.some((y) => equals(x, y))) out.push(x);
  return out;
}

function flatten(v: unknown[], levels: number | undefined): unknown[] {
  const out: unknown[] = [];
  for (const x of v) {
    if (isList(x) && (levels === undefined || levels > 0)) out.push(...flatten(x, levels === undefined ? undefined : levels - 1));
    else if (x !== null) out.push(x);
  }
  return out;
}

/** Python's round() (ties to even, on the exact binary value), or ceil/floor at a precision. */
function roundTo(x: number, p: number, method: string): number {
  const f = 10 ** p;
  if (method === 'ceil') return Math.ceil(x * f) / f;
  if (method === 'floor') return Math.floor(x * f) / f;
  if (!Number.isFinite(x)) return x;
  const exact = Math.abs(x).toFixed(Math.min(100, p + 30));
  const rest = exact.slice(exact.indexOf('.') + 1 + p);
  if (!/^50*$/.test(rest)) return Number(x.toFixed(p));
  // A true tie: to the even neighbour.
  const down = Math.trunc(Math.abs(x) * f);
  const even = down % 2 === 0 ? down : down + 1;
  return (Math.sign(x) * even) / f;
}

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

export const FILTERS: Record<string, Filter> = {
  default: (v, a, kw) => {
    const dflt = arg(a, kw, 0, 'default_value', '');
    const bool = truthy(arg(a, kw, 1, 'boolean', false));
    return v instanceof Undefined || (bool && !truthy(v)) ? dflt : v;
  },
  upper: (v) => str(v).toUpperCase(),
  lower: (v) => str(v).toLowerCase(),
  capitalize: (v) => {
    const s = str(v);
    return s === '' ? s : (s[0] ?? '').toUpperCase() + s.slice(1).toLowerCase();
  },
  title: (v) => str(v).replace(/[A-Za-z0-9]+/g, (w) => (w[0] ?? '').toUpperCase() + w.slice(1).toLowerCase()),
  trim: (v, a, kw) => {
    const chars = arg(a, kw, 0, 'chars', null);
    const s = str(v);
    if (chars === null) return s.trim();
    const set = new Set(codePoints(str(chars)));
    const cs = codePoints(s);
    let i = 0;
    let j = cs.length;
    while (i < j && set.has(cs[i] ?? '')) i++;
    while (j > i && set.has(cs[j - 1] ?? '')) j--;
    return cs.slice(i, j).join('');
  },
  replace: (v, a, kw) => {
    const s = str(v);
    const from = str(arg(a, kw, 0, 'old', ''));
    const to = str(arg(a, kw, 1, 'new', ''));
    const count = arg(a, kw, 2, 'count', null);
    if (count === null) return s.split(from).join(to);
    const parts = s.split(from);
    const n = Number(count);
    return parts.slice(0, n + 1).join(to) + (parts.length > n + 1 ? from + parts.slice(n + 1).join(from) : '');
  },
  join: (v, a, kw) => {
    const sep = str(arg(a, kw, 0, 'd', ''));
    const attribute = arg(a, kw, 1, 'attribute', null);
    return iterate(defined(v)).map((x) => str(attribute === null ? x : attrPath(x, attribute))).join(sep);
  },
  length: (v) => length(v),
  int: (v, a, kw) => toInt(v, arg(a, kw, 0, 'default', 0), arg(a, kw, 1, 'base', 10)),
  float: (v, a, kw) => toFloat(v, arg(a, kw, 0, 'default', float(0))),
  string: (v) => str(v),
  bool: (v) => {
    if (v === null || typeof v === 'boolean') return v;
    const s = typeof v === 'string' ? v.toLowerCase() : v;
    return s === 'yes' || s === 'on' || s === '1' || s === 'true' || s === 1;
  },
  abs: (v) => {
    if (!isNumber(v)) throw new TemplateError(`bad operand type for abs(): '${typeName(v)}'`);
    return typeof v === 'number' ? Math.abs(v) : float(Math.abs(numberOf(v)));
  },
  round: (v, a, kw) => {
    if (!isNumber(v)) throw new TemplateError(`type ${typeName(v)} doesn't define __round__ method`);
    const method = String(arg(a, kw, 1, 'method', 'common'));
    return float(roundTo(numberOf(v), Number(arg(a, kw, 0, 'precision', 0)), method));
  },
  to_json: (v, _a, kw) => dumpJson(v, { indent: kw.indent, sortKeys: truthy(kw.sort_keys ?? false), ensureAscii: truthy(kw.ensure_ascii ?? true) }),
  to_nice_json: (v, a, kw) => dumpJson(v, { indent: Number(arg(a, kw, 0, 'indent', 4)), sortKeys: truthy(kw.sort_keys ?? true), separators: [',', ': '], ensureAscii: truthy(kw.ensure_ascii ?? true) }),
  tojson: (v, a, kw) =>
    dumpJson(v, { indent: arg(a, kw, 0, 'indent', undefined), sortKeys: true })
      .replace(/</g, '\\u003c')
      .replace(/>/g, '\\u003e')
      .replace(/&/g, '\\u0026')
      .replace(/'/g, '\\u0027'),
  from_json: (v) => {
    try {
      return JSON.parse(str(v)) as unknown;
    } catch (e) {
      throw new TemplateError(`from_json: ${(e as Error).message}`);
    }
  },
  to_yaml: (v, _a, kw) => dumpYaml(v, { indent: Number(kw.indent ?? 2), defaultFlowStyle: kw.default_flow_style === undefined ? null : (kw.default_flow_style as boolean | null), width: Number(kw.width ?? 80) }),
  to_nice_yaml: (v, a, kw) => dumpYaml(v, { indent: Number(arg(a, kw, 0, 'indent', 4)), defaultFlowStyle: false, width: Number(kw.width ?? 80) }),
  indent: (v, a, kw) => indentText(str(v), arg(a, kw, 0, 'width', 4), arg(a, kw, 1, 'first', false), arg(a, kw, 2, 'blank', false)),
  b64encode: (v) => b64(str(v)),
  b64decode: (v) => Buffer.from(str(v), 'base64').toString('utf8'),
  basename: (v) => posix.basename(str(v)),
  dirname: (v) => posix.dirname(str(v)),
  splitext: (v) => {
    const s = str(v);
    const ext = posix.extname(s);
    return tuple([s.slice(0, s.length - ext.length), ext]);
  },
  quote: (v) => {
    const s = str(v);
    return s !== '' && /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'"'"'`)}'`;
  },
  first: (v) => {
    const items = iterate(defined(v));
    return items.length === 0 ? new Undefined('No first item, sequence was empty.') : items[0];
  },
  last: (v) => {
    const items = iterate(defined(v));
    return items.length === 0 ? new Undefined('No last item, sequence was empty.') : items[items.length - 1];
  },
  list: (v) => [...iterate(defined(v))],
  reverse: (v) => (typeof v === 'string' ? codePoints(v).reverse().join('') : [...iterate(defined(v))].reverse()),
  sort: (v, a, kw) => sorted(iterate(defined(v)), sortKey(truthy(arg(a, kw, 1, 'case_sensitive', false)), arg(a, kw, 2, 'attribute', null)), truthy(arg(a, kw, 0, 'reverse', false))),
  unique: (v) => unique(iterate(defined(v))),
  min: (v, _a, kw) => sorted(iterate(defined(v)), sortKey(truthy(kw.case_sensitive ?? false), kw.attribute), false)[0] ?? new Undefined('No aggregated item, sequence was empty.'),
  max: (v, _a, kw) => sorted(iterate(defined(v)), sortKey(truthy(kw.case_sensitive ?? false), kw.attribute), true)[0] ?? new Undefined('No aggregated item, sequence was empty.'),
  sum: (v, a, kw) => {
    const attribute = arg(a, kw, 0, 'attribute', null);
    const start = arg(a, kw, 1, 'start', 0);
    return iterate(defined(v)).reduce<unknown>((acc, x) => {
      const n = attribute === null ? x : attrPath(x, attribute);
      if (!isNumber(acc) || !isNumber(n)) throw new TemplateError(`unsupported operand type(s) for +: '${typeName(acc)}' and '${typeName(n)}'`);
      return typeof acc === 'number' && typeof n === 'number' && Number.isInteger(acc) && Number.isInteger(n) ? acc + n : float(numberOf(acc) + numberOf(n));
    }, start);
  },
  map: (v, a, kw) => {
    const items = iterate(defined(v));
    if ('attribute' in kw) return items.map((x) => {
      const r = attrPath(x, kw.attribute);
      return r instanceof Undefined && 'default' in kw ? kw.default : r;
    });
    const [name, ...rest] = a;
    const f = filterNamed(String(name));
    return items.map((x) => f(x, rest, {}));
  },
  select: selectOrReject(true, false),
  reject: selectOrReject(false, false),
  selectattr: selectOrReject(true, true),
  rejectattr: selectOrReject(false, true),
  attr: (v, a) => getattr(v, String(a[0])),
  items: (v) => (v instanceof Undefined ? [] : Object.entries(defined(v) as Record<string, unknown>).map(([k, x]) => tuple([k, x]))),
  dictsort: (v, a, kw) => {
    const by = String(arg(a, kw, 1, 'by', 'key'));
    const pairs = Object.entries(defined(v) as Record<string, unknown>).map(([k, x]) => tuple([k, x]));
    const cs = truthy(arg(a, kw, 0, 'case_sensitive', false));
    return sorted(pairs, (p) => {
      const x = (p as unknown[])[by === 'value' ? 1 : 0];
      return !cs && typeof x === 'string' ? x.toLowerCase() : x;
    }, truthy(arg(a, kw, 2, 'reverse', false)));
  },
  dict2items: (v, a, kw) => {
    const k = String(arg(a, kw, 0, 'key_name', 'key'));
    const val = String(arg(a, kw, 1, 'value_name', 'value'));
    if (!isDict(v)) throw new TemplateError(`dict2items requires a dictionary, got ${typeName(v)} instead.`);
    return Object.entries(v).map(([kk, vv]) => ({ [k]: kk, [val]: vv }));
  },
  items2dict: (v, a, kw) => {
    const k = String(arg(a, kw, 0, 'key_name', 'key'));
    const val = String(arg(a, kw, 1, 'value_name', 'value'));
    return Object.fromEntries(iterate(defined(v)).map((x) => [str(getitem(x, k)), getitem(x, val)]));
  },
  combine: (v, a, kw) => combine([v, ...a], truthy(kw.recursive ?? false), str(kw.list_merge ?? 'replace')),
  flatten: (v, a, kw) => flatten(iterate(defined(v)), (arg(a, kw, 0, 'levels', null) as number | null) ?? undefined),
  zip: (v, a) => {
    const lists = [iterate(defined(v)), ...a.map(iterate)];
    const n = Math.min(...lists.map((l) => l.length));
    return Array.from({ length: n }, (_x, i) => tuple(lists.map((l) => l[i])));
  },
  difference: (v, a) => unique(iterate(defined(v)).filter((x) => !contains(a[0], x))),
  intersect: (v, a) => unique(iterate(defined(v)).filter((x) => contains(a[0], x))),
  union: (v, a) => unique([...iterate(defined(v)), ...iterate(a[0])]),
  symmetric_difference: (v, a) => {
    const x = iterate(defined(v));
    const y = iterate(a[0]);
    return unique([...x.filter((i) => !contains(y, i)), ...y.filter((i) => !contains(x, i))]);
  },
  ternary: (v, a) => (truthy(v) ? a[0] : v === null && a.length > 2 ? a[2] : a[1]),
  mandatory: (v, a, kw) => {
    if (!(v instanceof Undefined)) return v;
    const msg = arg(a, kw, 0, 'msg', null);
    const name = v.name === undefined ? '' : `'${v.name}' `;
    throw new TemplateError(msg === null ? `Mandatory variable ${name} not defined.` : str(msg), 'AnsibleFilterError');
  },
  regex_replace: (v, a, kw) => str(v).replace(pyRegex(arg(a, kw, 0, 'pattern', ''), `g${regexFlags(kw)}`), pyReplacement(str(arg(a, kw, 1, 'replacement', '')))),
  regex_search: (v, a, kw) => {
    const m = pyRegex(a[0], regexFlags(kw)).exec(str(v));
    if (m === null) return null;
    const groups = a.slice(1).map((g) => String(g));
    if (groups.length === 0) return m[0];
    return groups.map((g) => (/^\\\d+$/.test(g) ? m[Number(g.slice(1))] : m.groups?.[g.replace(/^\\g<(.*)>$/, '$1')]) ?? null);
  },
  regex_findall: (v, a, kw) => [...str(v).matchAll(pyRegex(a[0], `g${regexFlags(kw)}`))].map((m) => (m.length > 2 ? tuple(m.slice(1)) : (m[1] ?? m[0]))),
  regex_escape: (v) => str(v).replace(/[^A-Za-z0-9_]/g, (c) => `\\${c}`),
  split: (v, a) => pySplit(str(v), a[0] ?? null, a[1] ?? -1),
  wordcount: (v) => (str(v).match(/\w+/g) ?? []).length,
  center: (v, a) => {
    const s = str(v);
    const w = Number(a[0] ?? 80);
    const total = w - s.length;
    if (total <= 0) return s;
    const left = Math.floor(total / 2) + (total & w & 1);
    return ' '.repeat(left) + s + ' '.repeat(total - left);
  },
  format: (v, a) => pyFormat(str(v), a.length === 1 ? a[0] : tuple(a)),
  truncate: (v, a, kw) => {
    const s = str(v);
    const n = Number(arg(a, kw, 0, 'length', 255));
    const killwords = truthy(arg(a, kw, 1, 'killwords', false));
    const end = str(arg(a, kw, 2, 'end', '...'));
    const leeway = Number(arg(a, kw, 3, 'leeway', 5));
    if (s.length <= n + leeway) return s;
    if (killwords) return s.slice(0, n - end.length) + end;
    const cut = s.slice(0, n - end.length);
    const at = cut.lastIndexOf(' ');
    return (at < 0 ? cut : cut.slice(0, at)) + end;
  },
  batch: (v, a) => {
    const items = iterate(defined(v));
    const n = Number(a[0]);
    const out: unknown[][] = [];
    for (let i = 0; i < items.length; i += n) out.push(items.slice(i, i + n));
    const fill = a[1];
    const lastBatch = out.at(-1);
    if (fill !== undefined && lastBatch !== undefined) while (lastBatch.length < n) lastBatch.push(fill);
    return out;
  },
  safe: (v) => v,
  escape: (v) => str(v).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&#34;').replace(/'/g, '&#39;'),
  type_debug: (v) => (v instanceof Undefined ? 'AnsibleUndefined' : typeName(v)),
  pprint: (v) => repr(v),
};
FILTERS.d = FILTERS.default as Filter;
FILTERS.count = FILTERS.length as Filter;
FILTERS.e = FILTERS.escape as Filter;

export function filterNamed(name: string, line?: number): Filter {
  const short = name.startsWith('ansible.builtin.') ? name.slice('ansible.builtin.'.length) : name;
  const f = FILTERS[short];
  if (f === undefined) throw new TemplateError(`no filter named '${name}'`, 'TemplateSyntaxError', line);
  return f;
}
