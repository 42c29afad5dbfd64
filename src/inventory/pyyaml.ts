/**
 * Plain YAML scalars resolved as PyYAML (and so Ansible) resolves them: YAML 1.1's
 * implicit types with PyYAML's exact patterns, which differ from the `yaml` package's
 * own 1.1 schema: `y`/`n` stay strings, `0o644` is a string, `1:20` is 80, `1e3` is a
 * string (PyYAML wants a dot and a signed exponent), dates come out as ISO text the way
 * ansible-inventory prints them, and only certain casings of yes/no/null count.
 */
import type { Document, ScalarTag, Tags } from 'yaml';
import { yaml } from '../base/yaml.js';

const BOOL = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
const TRUE_WORDS = new Set(['yes', 'true', 'on']);
const FALSE_WORDS = new Set(['no', 'false', 'off']);
const INT = /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
const FLOAT = /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const NULL = /^(?:~|null|Null|NULL|)$/;
const TIMESTAMP =
  /^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$/;
const TIMESTAMP_PARTS =
  /^([0-9][0-9][0-9][0-9])-([0-9][0-9]?)-([0-9][0-9]?)(?:(?:[Tt]|[ \t]+)([0-9][0-9]?):([0-9][0-9]):([0-9][0-9])(?:\.([0-9]*))?(?:[ \t]*(Z|([-+])([0-9][0-9]?)(?::([0-9][0-9]))?))?)?$/;

/** Base-60 digits (`1:20:30`) as PyYAML adds them up. */
function sexagesimal(text: string): number {
  let value = 0;
  let base = 1;
  for (const digit of text.split(':').reverse()) {
    value += Number(digit) * base;
    base *= 60;
  }
  return value;
}

/** PyYAML's construct_yaml_int. */
export function pyInt(source: string): number {
  let text = source.replaceAll('_', '');
  let sign = 1;
  if (text.startsWith('-')) sign = -1;
  if (text.startsWith('-') || text.startsWith('+')) text = text.slice(1);
  let n: number;
  if (text === '0') return 0;
  if (text.startsWith('0b')) n = Number.parseInt(text.slice(2), 2);
  else if (text.startsWith('0x')) n = Number.parseInt(text.slice(2), 16);
  else if (text.startsWith('0') && text.length > 1) n = Number.parseInt(text.slice(1), 8);
  else if (text.includes(':')) n = sexagesimal(text);
  else n = /^[0-9]+$/.test(text) ? Number(text) : Number.NaN;
  if (Number.isNaN(n)) throw new Error(`invalid literal for int(): '${source}'`);
  return n === 0 ? 0 : sign * n;
}

/** PyYAML's construct_yaml_float. */
export function pyFloat(source: string): number {
  let text = source.replaceAll('_', '').toLowerCase();
  let sign = 1;
  if (text.startsWith('-')) sign = -1;
  if (text.startsWith('-') || text.startsWith('+')) text = text.slice(1);
  if (text === '.inf') return sign * Number.POSITIVE_INFINITY;
  if (text === '.nan') return Number.NaN;
  if (text.includes(':')) return sign * sexagesimal(text);
  // Python's float() also takes what the implicit pattern does not (an explicit !!float "1").
  const n = /^(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:e[-+]?[0-9]+)?$/.test(text) ? Number(text) : /^(?:inf|infinity|nan)$/.test(text) ? (text === 'nan' ? Number.NaN : Number.POSITIVE_INFINITY) : Number.NaN;
  if (Number.isNaN(n) && text !== 'nan') throw new Error(`could not convert string to float: '${source}'`);
  return sign * n;
}

/** PyYAML's construct_yaml_bool (an explicit !!bool takes any casing). */
function pyBool(source: string): boolean {
  const lower = source.toLowerCase();
  if (TRUE_WORDS.has(lower)) return true;
  if (FALSE_WORDS.has(lower)) return false;
  throw new Error(`'${source}' is not a boolean`);
}

const pad = (n: number | string, width = 2): string => String(n).padStart(width, '0');

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * A YAML timestamp as the text ansible-inventory prints for it: Python's isoformat() of
 * the date, or of the datetime PyYAML builds (microseconds when there are any, the
 * offset as written, Z as +00:00).
 */
export function pyTimestamp(source: string): string {
  const m = TIMESTAMP_PARTS.exec(source.trim());
  if (m === null) throw new Error(`'${source}' is not a timestamp`);
  const [, y = '', mo = '', d = '', hh, mm, ss, fraction, tz, tzSign, tzHour, tzMinute] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12) throw new Error('month must be in 1..12');
  if (day < 1 || day > daysIn(year, month)) throw new Error('day is out of range for month');
  const date = `${pad(year, 4)}-${pad(month)}-${pad(day)}`;
  if (hh === undefined) return date;
  const [hour, minute, second] = [Number(hh), Number(mm), Number(ss)];
  if (hour > 23) throw new Error('hour must be in 0..23');
  if (minute > 59) throw new Error('minute must be in 0..59');
  if (second > 59) throw new Error('second must be in 0..59');
  const micro = Number((fraction ?? '').slice(0, 6).padEnd(6, '0'));
  let out = `${date}T${pad(hour)}:${pad(minute)}:${pad(second)}${micro === 0 ? '' : `.${pad(micro, 6)}`}`;
  if (tz === 'Z') out += '+00:00';
  else if (tzSign !== undefined) out += `${tzSign}${pad(Number(tzHour))}:${pad(Number(tzMinute ?? '0'))}`;
  return out;
}

const Y = 'tag:yaml.org,2002:';
const REPLACED = new Set([`${Y}null`, `${Y}bool`, `${Y}int`, `${Y}float`, `${Y}timestamp`]);

/** Marks float scalars, so that a float used as a mapping key is named as Python's json names it. */
const FLOAT_FORMAT = 'py-float';

/** One tag twice: found by its pattern for plain scalars, and by name (no pattern) for explicit `!!tag value`. */
function both(tag: string, test: RegExp, resolve: (s: string) => unknown, format?: string): ScalarTag[] {
  const f = format === undefined ? {} : { format };
  return [
    { tag, default: true, test, resolve: (s) => resolve(s), ...f },
    { tag, default: false, resolve: (s) => resolve(s), ...f },
  ];
}

/** Python's repr of a float: 1.0, 1e+20, 1.5e-05, inf. */
export function pyFloatRepr(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? 'Infinity' : '-Infinity';
  if (n === 0) return Object.is(n, -0) ? '-0.0' : '0.0';
  const exp = Math.floor(Math.log10(Math.abs(n)));
  if (exp < -4 || exp >= 16) return n.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
  const s = String(n);
  return s.includes('.') ? s : `${s}.0`;
}

/**
 * Mapping keys as Python's json writes them: None is "null" (the yaml package would
 * make it ""), a float key keeps its float form ("1.0", not "1").
 */
export function pythonKeys(doc: Document): void {
  yaml().visit(doc, {
    Pair(_, pair) {
      const key = pair.key;
      if (!yaml().isScalar(key)) return;
      if (key.value === null) key.value = 'null';
      else if (key.format === FLOAT_FORMAT && typeof key.value === 'number') key.value = pyFloatRepr(key.value);
    },
  });
}

/** The `yaml` package's YAML 1.1 tags with the scalar ones replaced by PyYAML's. */
export function pyyamlTags(extra: readonly ScalarTag[] = []): (tags: Tags) => Tags {
  return (tags) => [
    ...tags.filter((t) => typeof t !== 'object' || Array.isArray(t) || !REPLACED.has(t.tag)),
    ...both(`${Y}null`, NULL, () => null),
    ...both(`${Y}bool`, BOOL, pyBool),
    ...both(`${Y}int`, INT, pyInt),
    ...both(`${Y}float`, FLOAT, pyFloat, FLOAT_FORMAT),
    ...both(`${Y}timestamp`, TIMESTAMP, pyTimestamp),
    ...extra,
  ];
}

/**
 * What Python's json would make of PyYAML's other constructed types: an omap or pairs
 * is a list of [key, value] pairs, a set a list of its members.
 */
export function pythonShapes(value: unknown): unknown {
  if (value instanceof Map) return [...value.entries()].map(([k, v]) => [pythonShapes(k), pythonShapes(v)]);
  if (value instanceof Set) return [...value].map(pythonShapes);
  if (Array.isArray(value)) return value.map(pythonShapes);
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = pythonShapes(v);
    return out;
  }
  return value;
}
