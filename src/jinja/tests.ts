/** Jinja's tests (`x is defined`), and Ansible's common ones. Only defined/undefined accept an undefined value. */
import { compare, contains, equals, isDict, isFloat, isList, isNumber, numberOf, TemplateError, truthy, Undefined } from './values.js';

export type Test = (value: unknown, ...args: unknown[]) => boolean;

function regex(pattern: unknown, flags: string): RegExp {
  if (typeof pattern !== 'string') throw new TemplateError('a regex test needs a pattern string');
  return new RegExp(pattern.replace(/\(\?P</g, '(?<').replace(/\(\?P=(\w+)\)/g, '\\k<$1>'), flags);
}

const TESTS: Record<string, Test> = {
  defined: (v) => !(v instanceof Undefined),
  undefined: (v) => v instanceof Undefined,
  none: (v) => v === null,
  string: (v) => typeof v === 'string',
  number: (v) => isNumber(v),
  integer: (v) => typeof v === 'number' && !isFloat(v),
  float: (v) => isFloat(v),
  boolean: (v) => typeof v === 'boolean',
  true: (v) => v === true,
  false: (v) => v === false,
  mapping: (v) => isDict(v),
  sequence: (v) => typeof v === 'string' || isList(v) || isDict(v),
  iterable: (v) => typeof v === 'string' || isList(v) || isDict(v),
  callable: (v) => typeof v === 'function',
  odd: (v) => isNumber(v) && Math.abs(numberOf(v) % 2) === 1,
  even: (v) => isNumber(v) && numberOf(v) % 2 === 0,
  divisibleby: (v, n) => isNumber(v) && numberOf(v) % Number(n) === 0,
  lower: (v) => typeof v === 'string' && v === v.toLowerCase(),
  upper: (v) => typeof v === 'string' && v === v.toUpperCase(),
  eq: (v, o) => equals(v, o),
  equalto: (v, o) => equals(v, o),
  '==': (v, o) => equals(v, o),
  ne: (v, o) => !equals(v, o),
  '!=': (v, o) => !equals(v, o),
  lt: (v, o) => compare(v, o, '<') < 0,
  '<': (v, o) => compare(v, o, '<') < 0,
  lessthan: (v, o) => compare(v, o, '<') < 0,
  le: (v, o) => compare(v, o, '<=') <= 0,
  '<=': (v, o) => compare(v, o, '<=') <= 0,
  gt: (v, o) => compare(v, o, '>') > 0,
  '>': (v, o) => compare(v, o, '>') > 0,
  greaterthan: (v, o) => compare(v, o, '>') > 0,
  ge: (v, o) => compare(v, o, '>=') >= 0,
  '>=': (v, o) => compare(v, o, '>=') >= 0,
  in: (v, seq) => contains(seq, v),
  sameas: (v, o) => v === o,
  // Ansible's tests.
  truthy: (v) => truthy(v),
  falsy: (v) => !truthy(v),
  match: (v, p, ignorecase) => typeof v === 'string' && regex(`^(?:${String(p)})`, truthy(ignorecase ?? false) ? 'i' : '').test(v),
  search: (v, p, ignorecase) => typeof v === 'string' && regex(p, truthy(ignorecase ?? false) ? 'i' : '').test(v),
  regex: (v, p, ignorecase, kind) => typeof v === 'string' && regex(kind === 'match' ? `^(?:${String(p)})` : p, truthy(ignorecase ?? false) ? 'i' : '').test(v),
  contains: (seq, v) => contains(seq, v),
  subset: (a, b) => isList(a) && isList(b) && a.every((x) => contains(b, x)),
  superset: (a, b) => isList(a) && isList(b) && b.every((x) => contains(a, x)),
  abs: (v) => typeof v === 'string' && v.startsWith('/'),
};

export function testNamed(name: string, line?: number): Test {
  const short = name.startsWith('ansible.builtin.') ? name.slice('ansible.builtin.'.length) : name;
  const t = TESTS[short];
  if (t === undefined) throw new TemplateError(`no test named '${name}'`, 'TemplateSyntaxError', line);
  return t;
}
