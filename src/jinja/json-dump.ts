/**
 * JSON text as Python's json.dumps writes it (Ansible's to_json and to_nice_json):
 * ", " and ": " separators unless told otherwise, non-ASCII escaped (ensure_ascii),
 * floats as Python prints them (2.0), optional indent and sorted keys.
 */
import { floatRepr, isDict, isFloat, isList, numberOf, PyFloat, TemplateError, Undefined } from './values.js';

export interface JsonOptions {
  /** Spaces (a number) or the text to indent with; none: all on one line. */
  indent?: unknown;
  sortKeys?: boolean;
  separators?: [string, string] | undefined;
  ensureAscii?: boolean;
}

function quote(s: string, ascii: boolean): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (c < 0x20 || (ascii && c > 0x7e)) {
      if (c > 0xffff) {
        const v = c - 0x10000;
        out += `\\u${(0xd800 + (v >> 10)).toString(16)}\\u${(0xdc00 + (v & 0x3ff)).toString(16)}`;
      } else out += `\\u${c.toString(16).padStart(4, '0')}`;
    } else out += ch;
  }
  return `${out}"`;
}

export function dumpJson(value: unknown, o: JsonOptions = {}): string {
  const indent = typeof o.indent === 'number' ? ' '.repeat(o.indent) : typeof o.indent === 'string' ? o.indent : undefined;
  const [itemSep, keySep] = o.separators ?? (indent === undefined ? [', ', ': '] : [',', ': ']);
  const ascii = o.ensureAscii ?? true;
  const walk = (v: unknown, level: number): string => {
    if (v instanceof Undefined) v.fail();
    if (v === null || v === undefined) return 'null';
    if (v === true) return 'true';
    if (v === false) return 'false';
    if (typeof v === 'string') return quote(v, ascii);
    if (v instanceof PyFloat || isFloat(v)) {
      const n = numberOf(v as number);
      if (Number.isNaN(n)) return 'NaN';
      if (!Number.isFinite(n)) return n > 0 ? 'Infinity' : '-Infinity';
      return floatRepr(n);
    }
    if (typeof v === 'number') return String(v);
    const open = (items: string[], l: string, r: string): string => {
      if (items.length === 0) return `${l}${r}`;
      if (indent === undefined) return `${l}${items.join(itemSep)}${r}`;
      const inner = `\n${indent.repeat(level + 1)}`;
      return `${l}${inner}${items.join(itemSep + inner)}\n${indent.repeat(level)}${r}`;
    };
    if (isList(v)) return open(v.map((x) => walk(x, level + 1)), '[', ']');
    if (isDict(v)) {
      const keys = Object.keys(v);
      if (o.sortKeys === true) keys.sort();
      return open(keys.map((k) => `${quote(k, ascii)}${keySep}${walk(v[k], level + 1)}`), '{', '}');
    }
    throw new TemplateError(`Object of type ${typeof v} is not JSON serializable`);
  };
  return walk(value, 0);
}
