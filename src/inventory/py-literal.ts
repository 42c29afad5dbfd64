/**
 * INI inventory values as Ansible reads them: Python's ast.literal_eval of the text, and
 * the text itself when that fails. Numbers (0x1F, 0o17, 1_000, 1e3), strings in any
 * Python quoting (escapes decoded, adjacent strings joined), True/False/None, lists,
 * tuples, sets and dicts. A complex number has no JSON form: it stays text here.
 */

class NotLiteral extends Error {}

const fail = (why: string): never => {
  throw new NotLiteral(why);
};

const SIMPLE: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\n': '' };

/** The escapes of a Python string body (not raw). */
function unescape(body: string, bytes: boolean): string {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i] ?? '';
    if (c !== '\\' || i + 1 >= body.length) {
      out += c;
      continue;
    }
    const e = body[i + 1] ?? '';
    const simple = SIMPLE[e];
    if (simple !== undefined) {
      out += simple;
      i++;
      continue;
    }
    const oct = /^[0-7]{1,3}/.exec(body.slice(i + 1));
    const hex = e === 'x' ? /^[0-9a-fA-F]{2}/.exec(body.slice(i + 2)) : e === 'u' && !bytes ? /^[0-9a-fA-F]{4}/.exec(body.slice(i + 2)) : e === 'U' && !bytes ? /^[0-9a-fA-F]{8}/.exec(body.slice(i + 2)) : null;
    if (oct !== null) {
      out += String.fromCodePoint(Number.parseInt(oct[0], 8));
      i += oct[0].length;
    } else if (hex !== null) {
      const code = Number.parseInt(hex[0], 16);
      if (code > 0x10ffff) fail('escape out of range');
      out += String.fromCodePoint(code);
      i += 1 + hex[0].length;
    } else if (e === 'x' || ((e === 'u' || e === 'U' || e === 'N') && !bytes)) {
      // A truncated \x or \u, or a \N{name} this reader does not know: Python would not read it either way.
      fail('escape');
    } else {
      // Unknown escapes keep their backslash, as in Python.
      out += c;
    }
  }
  return out;
}

interface Cursor {
  readonly s: string;
  i: number;
}

function skipSpace(c: Cursor, inBrackets: boolean): void {
  for (;;) {
    const ch = c.s[c.i];
    if (ch === ' ' || ch === '\t' || ch === '\f' || (inBrackets && (ch === '\n' || ch === '\r'))) c.i++;
    else if (ch === '\\' && c.s[c.i + 1] === '\n') c.i += 2;
    else if (ch === '#') {
      while (c.i < c.s.length && c.s[c.i] !== '\n') c.i++;
    } else return;
  }
}

function readString(c: Cursor): { text: string; bytes: boolean } | undefined {
  const m = /^([rRbBuU]{0,2})('''|"""|'|")/.exec(c.s.slice(c.i));
  if (m === null) return undefined;
  const prefix = (m[1] ?? '').toLowerCase();
  if (!['', 'r', 'b', 'u', 'rb', 'br'].includes(prefix)) fail('prefix');
  const quote = m[2] ?? '';
  const start = c.i + m[0].length;
  let j = start;
  for (;;) {
    if (j >= c.s.length) fail('unterminated string');
    const ch = c.s[j];
    if (ch === '\\') {
      j += 2;
      continue;
    }
    if (quote.length === 1 && ch === '\n') fail('newline in string');
    if (c.s.startsWith(quote, j)) break;
    j++;
  }
  const body = c.s.slice(start, j);
  c.i = j + quote.length;
  const raw = prefix.includes('r');
  const bytes = prefix.includes('b');
  // eslint-disable-next-line no-control-regex -- bytes literals take ASCII only, control characters included
  if (bytes && /[^\x00-\x7f]/.test(body)) fail('bytes can only contain ASCII');
  return { text: raw ? body : unescape(body, bytes), bytes };
}

const NUMBER = /^(?:0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|(?:[0-9](?:_?[0-9])*\.(?:[0-9](?:_?[0-9])*)?|\.[0-9](?:_?[0-9])*)(?:[eE][-+]?[0-9](?:_?[0-9])*)?|[0-9](?:_?[0-9])*[eE][-+]?[0-9](?:_?[0-9])*|[1-9](?:_?[0-9])*|0(?:_?0)*)[jJ]?/;

function readNumber(c: Cursor): number | undefined {
  const m = NUMBER.exec(c.s.slice(c.i));
  if (m === null) return undefined;
  const text = m[0];
  // A name straight after a number (1abc) or a leading-zero integer (012) is not Python.
  if (/^[0-9A-Za-z_]/.test(c.s.slice(c.i + text.length))) fail('number followed by a name');
  c.i += text.length;
  if (/[jJ]$/.test(text)) fail('complex numbers have no JSON form');
  const t = text.replaceAll('_', '');
  if (/^0[xX]/.test(t)) return Number.parseInt(t.slice(2), 16);
  if (/^0[oO]/.test(t)) return Number.parseInt(t.slice(2), 8);
  if (/^0[bB]/.test(t)) return Number.parseInt(t.slice(2), 2);
  return Number(t);
}

function readValue(c: Cursor, inBrackets: boolean): unknown {
  skipSpace(c, inBrackets);
  const ch = c.s[c.i];
  if (ch === '[') return readItems(c, ']', 'list');
  if (ch === '(') return readItems(c, ')', 'tuple');
  if (ch === '{') return readBraces(c);
  if (ch === '-' || ch === '+') {
    c.i++;
    skipSpace(c, inBrackets);
    const n = readNumber(c);
    if (n === undefined) return fail('sign without a number');
    return ch === '-' ? (n === 0 ? 0 : -n) : n;
  }
  const first = readString(c);
  if (first !== undefined) {
    let { text } = first;
    // Adjacent strings are one: 'a' "b" is 'ab' (bytes and text do not mix).
    for (;;) {
      const at = c.i;
      skipSpace(c, inBrackets);
      const next = readString(c);
      if (next === undefined) {
        c.i = at;
        break;
      }
      if (next.bytes !== first.bytes) fail('bytes and text mixed');
      text += next.text;
    }
    return text;
  }
  const n = readNumber(c);
  if (n !== undefined) return n;
  const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(c.s.slice(c.i))?.[0];
  if (word === 'True' || word === 'False' || word === 'None') {
    c.i += word.length;
    return word === 'True' ? true : word === 'False' ? false : null;
  }
  if (word === 'set' && /^set\s*\(\s*\)/.test(c.s.slice(c.i))) {
    c.i += /^set\s*\(\s*\)/.exec(c.s.slice(c.i))?.[0].length ?? 0;
    return [];
  }
  return fail('not a literal');
}

function readItems(c: Cursor, close: string, kind: 'list' | 'tuple'): unknown {
  c.i++;
  const items: unknown[] = [];
  let commas = 0;
  for (;;) {
    skipSpace(c, true);
    if (c.s[c.i] === close) {
      c.i++;
      // (x) is x, not a tuple; (x,) and () are tuples (JSON lists).
      if (kind === 'tuple' && items.length === 1 && commas === 0) return items[0];
      return items;
    }
    if (items.length > commas) fail('missing comma');
    items.push(readValue(c, true));
    skipSpace(c, true);
    if (c.s[c.i] === ',') {
      c.i++;
      commas++;
    } else if (c.s[c.i] !== close) fail('missing comma');
  }
}

/** {} is a dict; {a, b} a set (a JSON list here); {k: v} a dict, keys named as Python's json names them. */
function readBraces(c: Cursor): unknown {
  c.i++;
  skipSpace(c, true);
  if (c.s[c.i] === '}') {
    c.i++;
    return {};
  }
  const first = readValue(c, true);
  skipSpace(c, true);
  if (c.s[c.i] !== ':') {
    const members = [first];
    for (;;) {
      skipSpace(c, true);
      if (c.s[c.i] === '}') {
        c.i++;
        return members;
      }
      if (c.s[c.i] !== ',') fail('missing comma');
      c.i++;
      skipSpace(c, true);
      if (c.s[c.i] === '}') continue;
      members.push(readValue(c, true));
    }
  }
  const out: Record<string, unknown> = {};
  let key: unknown = first;
  for (;;) {
    if (typeof key !== 'string' && typeof key !== 'number' && typeof key !== 'boolean' && key !== null) return fail('unhashable or unwritable key');
    c.i++;
    out[key === null ? 'null' : String(key)] = readValue(c, true);
    skipSpace(c, true);
    if (c.s[c.i] === ',') {
      c.i++;
      skipSpace(c, true);
    } else if (c.s[c.i] !== '}') fail('missing comma');
    if (c.s[c.i] === '}') {
      c.i++;
      return out;
    }
    key = readValue(c, true);
    skipSpace(c, true);
    if (c.s[c.i] !== ':') fail('missing colon');
  }
}

/** ast.literal_eval(text), or undefined when Python would not read it as a literal. */
export function pyLiteral(text: string): { value: unknown } | undefined {
  const c: Cursor = { s: text.replace(/^[ \t]+/, ''), i: 0 };
  try {
    const value = readValue(c, false);
    skipSpace(c, false);
    // Trailing newlines are fine; anything else (an operator, a second value) is not a literal.
    if (c.s.slice(c.i).trim() !== '') return undefined;
    return { value };
  } catch (e) {
    if (e instanceof NotLiteral) return undefined;
    throw e;
  }
}

/** An INI inventory value: the literal when Python reads one, else the text as written. */
export function iniValue(v: string): unknown {
  const literal = pyLiteral(v);
  return literal === undefined ? v : literal.value;
}
