/**
 * Splits a template into text and tags the way Jinja's lexer does, whitespace control
 * included: `{%-`/`-%}` strip whitespace on that side, trim_blocks drops the newline
 * after a block or comment tag (`+%}` keeps it), lstrip_blocks drops the indentation
 * before one (`{%+` keeps it). `{% raw %}` sections stay text. Tags are tokenized.
 */
import { TemplateError } from './values.js';

export interface LexOptions {
  blockStart: string;
  blockEnd: string;
  variableStart: string;
  variableEnd: string;
  commentStart: string;
  commentEnd: string;
  trimBlocks: boolean;
  lstripBlocks: boolean;
}

export const DEFAULT_LEX: LexOptions = {
  blockStart: '{%',
  blockEnd: '%}',
  variableStart: '{{',
  variableEnd: '}}',
  commentStart: '{#',
  commentEnd: '#}',
  // Ansible's templates trim blocks (its template module's default), unlike plain Jinja.
  trimBlocks: true,
  lstripBlocks: false,
};

export type TokenType = 'name' | 'string' | 'int' | 'float' | 'op';

export interface Token {
  readonly type: TokenType;
  readonly value: string;
  readonly line: number;
}

export type Segment =
  | { readonly kind: 'text'; readonly value: string; readonly line: number }
  | { readonly kind: 'var' | 'block'; readonly tokens: Token[]; readonly line: number };

const OPERATORS = ['**', '//', '==', '!=', '>=', '<=', '+', '-', '/', '*', '%', '~', '[', ']', '(', ')', '{', '}', '>', '<', '=', '.', ':', '|', ',', ';'];
const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;
const NUMBER = /(?:0[bB](?:_?[01])+|0[oO](?:_?[0-7])+|0[xX](?:_?[0-9a-fA-F])+|\d(?:_?\d)*(?:\.\d(?:_?\d)*)?(?:[eE][+-]?\d(?:_?\d)*)?)/y;
const STRING_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0', a: '\x07', b: '\b', f: '\f', v: '\v' };

function countLines(s: string): number {
  let n = 0;
  for (const c of s) if (c === '\n') n++;
  return n;
}

/** A string literal's value, with Python's escapes. */
function readString(src: string, start: number, line: number): { value: string; end: number } {
  const quote = src[start];
  let out = '';
  let i = start + 1;
  while (i < src.length && src[i] !== quote) {
    const c = src[i] ?? '';
    if (c === '\\' && i + 1 < src.length) {
      const e = src[i + 1] ?? '';
      if (e === 'x' || e === 'u' || e === 'U') {
        const len = e === 'x' ? 2 : e === 'u' ? 4 : 8;
        const hex = src.slice(i + 2, i + 2 + len);
        if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len) throw new TemplateError(`bad \\${e} escape in a string`, 'TemplateSyntaxError', line);
        out += String.fromCodePoint(Number.parseInt(hex, 16));
        i += 2 + len;
        continue;
      }
      const known = STRING_ESCAPES[e];
      out += known ?? `\\${e}`;
      i += 2;
      continue;
    }
    out += c;
    i++;
  }
  if (i >= src.length) throw new TemplateError('unexpected end of string', 'TemplateSyntaxError', line);
  return { value: out, end: i + 1 };
}

/**
 * Tokens of a tag from `at` to its end delimiter (outside strings). Returns the tokens,
 * where the tag's content ends, and the end's whitespace modifier.
 */
function tagTokens(src: string, at: number, end: string, line: number): { tokens: Token[]; stop: number; after: number; mod: '-' | '+' | '' } {
  const tokens: Token[] = [];
  let i = at;
  let ln = line;
  // Inside brackets the end delimiter is part of the expression ({{ {'a': {'b': 1}} }}).
  let depth = 0;
  while (i < src.length) {
    const c = src[i] ?? '';
    if (c === '\n') ln++;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (depth === 0 && (c === '-' || c === '+') && src.startsWith(end, i + 1)) return { tokens, stop: i, after: i + 1 + end.length, mod: c };
    if (depth === 0 && src.startsWith(end, i)) return { tokens, stop: i, after: i + end.length, mod: '' };
    if (c === '"' || c === "'") {
      const s = readString(src, i, ln);
      tokens.push({ type: 'string', value: s.value, line: ln });
      ln += countLines(src.slice(i, s.end));
      i = s.end;
      continue;
    }
    NAME.lastIndex = i;
    const name = NAME.exec(src);
    if (name !== null) {
      tokens.push({ type: 'name', value: name[0], line: ln });
      i += name[0].length;
      continue;
    }
    NUMBER.lastIndex = i;
    const num = NUMBER.exec(src);
    if (num !== null && num[0] !== '') {
      const text = num[0].replace(/_/g, '');
      const isFloat = !/^0[box]/i.test(text) && /[.eE]/.test(text);
      tokens.push({ type: isFloat ? 'float' : 'int', value: text, line: ln });
      i += num[0].length;
      continue;
    }
    const op = OPERATORS.find((o) => src.startsWith(o, i));
    if (op === undefined) throw new TemplateError(`unexpected char '${c}'`, 'TemplateSyntaxError', ln);
    if (op === '(' || op === '[' || op === '{') depth++;
    else if ((op === ')' || op === ']' || op === '}') && depth > 0) depth--;
    tokens.push({ type: 'op', value: op, line: ln });
    i += op.length;
  }
  throw new TemplateError(`unexpected end of template, expected '${end}'`, 'TemplateSyntaxError', ln);
}

const RAW_END = (o: LexOptions): RegExp => {
  const e = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`${e(o.blockStart)}([-+]?)\\s*endraw\\s*([-+]?)${e(o.blockEnd)}`, 'g');
};

/** The template as text and tag segments, whitespace control applied. */
export function lex(source: string, o: LexOptions = DEFAULT_LEX): Segment[] {
  // One kind of newline inside; Jinja also drops one trailing newline (keep_trailing_newline off).
  let src = source.replace(/\r\n|\r/g, '\n');
  if (src.endsWith('\n')) src = src.slice(0, -1);
  const segments: Segment[] = [];
  const starts = [
    { kind: 'var' as const, s: o.variableStart },
    { kind: 'block' as const, s: o.blockStart },
    { kind: 'comment' as const, s: o.commentStart },
  ].sort((a, b) => b.s.length - a.s.length);
  let pos = 0;
  let line = 1;
  // Whitespace the last tag asked to remove from the start of the next text.
  let stripNext: 'all' | 'newline' | '' = '';
  const pushText = (text: string, atLine: number): void => {
    if (text !== '') segments.push({ kind: 'text', value: text, line: atLine });
  };
  const leading = (text: string): string => {
    const t = stripNext === 'all' ? text.replace(/^\s+/, '') : stripNext === 'newline' ? text.replace(/^\n/, '') : text;
    stripNext = '';
    return t;
  };
  while (pos <= src.length) {
    let next = -1;
    let which: (typeof starts)[number] | undefined;
    for (const st of starts) {
      const at = src.indexOf(st.s, pos);
      if (at >= 0 && (next < 0 || at < next)) {
        next = at;
        which = st;
      }
    }
    if (which === undefined) {
      pushText(leading(src.slice(pos)), line);
      break;
    }
    const textLine = line;
    const rawText = src.slice(pos, next);
    // After a newline (one trim_blocks removes counts): lstrip_blocks may strip this line's indent.
    const lineStarting = pos === 0 || src[pos - 1] === '\n' || (stripNext === 'newline' && rawText.startsWith('\n'));
    let text = leading(rawText);
    line += countLines(src.slice(pos, next));
    const modAt = next + which.s.length;
    const modChar = src[modAt];
    const startMod = modChar === '-' ? '-' : modChar === '+' ? '+' : '';
    if (startMod === '-') text = text.replace(/\s+$/, '');
    else if (startMod === '' && o.lstripBlocks && which.kind !== 'var') {
      const nl = text.lastIndexOf('\n');
      if ((nl >= 0 || lineStarting) && /^[ \t]*$/.test(text.slice(nl + 1))) text = text.slice(0, nl + 1);
    }
    pushText(text, textLine);
    const bodyAt = modAt + (startMod === '' ? 0 : 1);
    if (which.kind === 'comment') {
      const end = src.indexOf(o.commentEnd, bodyAt);
      if (end < 0) throw new TemplateError('missing end of comment tag', 'TemplateSyntaxError', line);
      const endMod = src[end - 1] === '-' && end - 1 >= bodyAt ? '-' : src[end - 1] === '+' ? '+' : '';
      line += countLines(src.slice(next, end));
      pos = end + o.commentEnd.length;
      stripNext = endMod === '-' ? 'all' : endMod === '' && o.trimBlocks ? 'newline' : '';
      continue;
    }
    const endDelim = which.kind === 'var' ? o.variableEnd : o.blockEnd;
    const tag = tagTokens(src, bodyAt, endDelim, line);
    line += countLines(src.slice(next, tag.after));
    pos = tag.after;
    if (which.kind === 'block' && tag.tokens.length === 1 && tag.tokens[0]?.type === 'name' && tag.tokens[0].value === 'raw') {
      const re = RAW_END(o);
      re.lastIndex = pos;
      const m = re.exec(src);
      if (m === null) throw new TemplateError("missing end of raw directive ('endraw')", 'TemplateSyntaxError', line);
      let body = src.slice(pos, m.index);
      if (tag.mod === '-') body = body.replace(/^\s+/, '');
      if (m[1] === '-') body = body.replace(/\s+$/, '');
      pushText(body, line);
      line += countLines(src.slice(pos, m.index + m[0].length));
      pos = m.index + m[0].length;
      stripNext = m[2] === '-' ? 'all' : m[2] === '' && o.trimBlocks ? 'newline' : '';
      continue;
    }
    segments.push({ kind: which.kind, tokens: tag.tokens, line: tag.tokens[0]?.line ?? line });
    if (tag.mod === '-') stripNext = 'all';
    else if (which.kind === 'block' && tag.mod === '' && o.trimBlocks) stripNext = 'newline';
  }
  return segments;
}
