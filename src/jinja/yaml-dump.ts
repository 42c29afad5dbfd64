/**
 * YAML text as PyYAML's yaml.dump writes it for Ansible's to_yaml and to_nice_yaml:
 * keys sorted, the same choice of plain, single- or double-quoted scalars (a string that
 * would read back as another type is quoted), the same indentation (sequences inside a
 * mapping are not indented; indent 4 gives "-   item"), lines folded at 80 columns, and
 * with default_flow_style None, collections of scalars in flow style ([1, 2]).
 * This follows PyYAML's emitter step by step so the text is byte-for-byte the same.
 */
import { codePoints, floatRepr, isDict, isFloat, isList, numberOf, PyFloat, str, Undefined } from './values.js';

export interface DumpOptions {
  indent: number;
  /** true: all flow; false: all block; null: flow for collections of scalars only. */
  defaultFlowStyle: boolean | null;
  width: number;
}

const BREAKS = '\n\x85\u2028\u2029';
const WS = `\0 \t\r${BREAKS}`;

const IMPLICIT = [
  /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/,
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/,
  /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/,
  /^(?:<<)$/,
  /^(?:~|null|Null|NULL|)$/,
  /^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)$/,
  /^(?:=)$/,
];

interface Analysis {
  empty: boolean;
  multiline: boolean;
  flowPlain: boolean;
  blockPlain: boolean;
  singleQuoted: boolean;
}

function printable(ch: string): boolean {
  const c = ch.codePointAt(0) ?? 0;
  if (ch === '\n' || (c >= 0x20 && c <= 0x7e)) return true;
  return (c === 0x85 || (c >= 0xa0 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c < 0x10ffff)) && c !== 0xfeff;
}

/** PyYAML's analyze_scalar: which styles can carry this text. */
function analyze(s: string): Analysis {
  if (s === '') return { empty: true, multiline: false, flowPlain: false, blockPlain: true, singleQuoted: true };
  const chars = codePoints(s);
  let block = s.startsWith('---') || s.startsWith('...');
  let flow = block;
  let lineBreaks = false;
  let special = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  let precededByWs = true;
  let followedByWs = chars.length === 1 || WS.includes(chars[1] ?? '');
  let prevSpace = false;
  let prevBreak = false;
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] ?? '';
    if (i === 0) {
      if ('#,[]{}&*!|>\'"%@`'.includes(ch)) flow = block = true;
      if ('?:'.includes(ch)) {
        flow = true;
        if (followedByWs) block = true;
      }
      if (ch === '-' && followedByWs) flow = block = true;
    } else {
      if (',?[]{}'.includes(ch)) flow = true;
      if (ch === ':') {
        flow = true;
        if (followedByWs) block = true;
      }
      if (ch === '#' && precededByWs) flow = block = true;
    }
    if (BREAKS.includes(ch)) lineBreaks = true;
    if (!printable(ch)) special = true;
    if (ch === ' ') {
      if (i === 0) leadingSpace = true;
      if (i === chars.length - 1) trailingSpace = true;
      if (prevBreak) breakSpace = true;
      prevSpace = true;
      prevBreak = false;
    } else if (BREAKS.includes(ch)) {
      if (i === 0) leadingBreak = true;
      if (i === chars.length - 1) trailingBreak = true;
      if (prevSpace) spaceBreak = true;
      prevSpace = false;
      prevBreak = true;
    } else {
      prevSpace = prevBreak = false;
    }
    precededByWs = WS.includes(ch);
    followedByWs = i + 2 >= chars.length || WS.includes(chars[i + 2] ?? '');
  }
  let flowPlain = true;
  let blockPlain = true;
  let singleQuoted = true;
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) flowPlain = blockPlain = false;
  if (breakSpace) flowPlain = blockPlain = singleQuoted = false;
  if (spaceBreak || special) flowPlain = blockPlain = singleQuoted = false;
  if (lineBreaks) flowPlain = blockPlain = false;
  if (flow) flowPlain = false;
  if (block) blockPlain = false;
  return { empty: false, multiline: lineBreaks, flowPlain, blockPlain, singleQuoted };
}

const ESCAPES: Record<string, string> = {
  '\0': '0', '\x07': 'a', '\x08': 'b', '\t': 't', '\n': 'n', '\x0b': 'v', '\x0c': 'f', '\r': 'r', '\x1b': 'e',
  '"': '"', '\\': '\\', '\x85': 'N', '\xa0': '_', '\u2028': 'L', '\u2029': 'P',
};

class Emitter {
  out = '';
  private column = 0;
  private whitespace = true;
  private indention = true;
  private indent: number | null = null;
  private readonly indents: (number | null)[] = [];
  private flowLevel = 0;

  constructor(private readonly o: DumpOptions) {}

  private write(data: string): void {
    this.out += data;
    this.column += codePoints(data).length;
  }

  private increaseIndent(flow: boolean, indentless = false): void {
    this.indents.push(this.indent);
    if (this.indent === null) this.indent = flow ? this.o.indent : 0;
    else if (!indentless) this.indent += this.o.indent;
  }

  private popIndent(): void {
    this.indent = this.indents.pop() ?? null;
  }

  private indicator(text: string, needWhitespace: boolean, whitespace = false, indention = false): void {
    this.write(this.whitespace || !needWhitespace ? text : ` ${text}`);
    this.whitespace = whitespace;
    this.indention = this.indention && indention;
  }

  private lineBreak(data = '\n'): void {
    this.whitespace = true;
    this.indention = true;
    this.out += data;
    this.column = 0;
  }

  private writeIndent(): void {
    const indent = this.indent ?? 0;
    if (!this.indention || this.column > indent || (this.column === indent && !this.whitespace)) this.lineBreak();
    if (this.column < indent) {
      this.whitespace = true;
      this.write(' '.repeat(indent - this.column));
    }
  }

  private flowStyle(v: unknown[] | Record<string, unknown>): boolean {
    if (this.o.defaultFlowStyle !== null) return this.o.defaultFlowStyle;
    const items = isList(v) ? v : Object.values(v);
    return items.every((x) => !isList(x) && !isDict(x));
  }

  node(v: unknown, ctx: { mapping?: boolean; simpleKey?: boolean } = {}): void {
    if (v instanceof Undefined) v.fail();
    if (isList(v)) {
      if (this.flowLevel > 0 || this.flowStyle(v) || v.length === 0) this.flowSequence(v);
      else this.blockSequence(v, ctx.mapping === true);
    } else if (isDict(v)) {
      const sorted = Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]]));
      if (this.flowLevel > 0 || this.flowStyle(sorted) || Object.keys(v).length === 0) this.flowMapping(sorted);
      else this.blockMapping(sorted);
    } else {
      this.increaseIndent(true);
      this.scalar(v, ctx.simpleKey === true);
      this.popIndent();
    }
  }

  private flowSequence(v: unknown[]): void {
    this.indicator('[', true, true);
    this.flowLevel++;
    this.increaseIndent(true);
    v.forEach((item, i) => {
      if (i > 0) this.indicator(',', false);
      if (this.column > this.o.width) this.writeIndent();
      this.node(item);
    });
    this.popIndent();
    this.flowLevel--;
    this.indicator(']', false);
  }

  private flowMapping(v: Record<string, unknown>): void {
    this.indicator('{', true, true);
    this.flowLevel++;
    this.increaseIndent(true);
    Object.entries(v).forEach(([k, x], i) => {
      if (i > 0) this.indicator(',', false);
      if (this.column > this.o.width) this.writeIndent();
      this.node(k, { mapping: true, simpleKey: true });
      this.indicator(':', false);
      this.node(x, { mapping: true });
    });
    this.popIndent();
    this.flowLevel--;
    this.indicator('}', false);
  }

  private blockSequence(v: unknown[], inMapping: boolean): void {
    this.increaseIndent(false, inMapping && !this.indention);
    for (const item of v) {
      this.writeIndent();
      this.indicator('-', true, false, true);
      this.node(item);
    }
    this.popIndent();
  }

  private blockMapping(v: Record<string, unknown>): void {
    this.increaseIndent(false);
    for (const [k, x] of Object.entries(v)) {
      this.writeIndent();
      this.node(k, { mapping: true, simpleKey: true });
      this.indicator(':', false);
      this.node(x, { mapping: true });
    }
    this.popIndent();
  }

  /** A scalar's text, and whether that text reads back as the same value when plain. */
  private scalarText(v: unknown): { text: string; implicit: boolean } {
    if (v === null || v === undefined) return { text: 'null', implicit: true };
    if (typeof v === 'boolean') return { text: v ? 'true' : 'false', implicit: true };
    if (v instanceof PyFloat || (typeof v === 'number' && isFloat(v))) {
      const n = numberOf(v);
      if (Number.isNaN(n)) return { text: '.nan', implicit: true };
      if (!Number.isFinite(n)) return { text: n > 0 ? '.inf' : '-.inf', implicit: true };
      let t = floatRepr(n).toLowerCase();
      if (!t.includes('.') && t.includes('e')) t = t.replace('e', '.0e');
      return { text: t, implicit: true };
    }
    if (typeof v === 'number') return { text: String(v), implicit: true };
    const s = typeof v === 'string' ? v : str(v);
    return { text: s, implicit: !IMPLICIT.some((re) => re.test(s)) };
  }

  private scalar(v: unknown, simpleKey: boolean): void {
    const { text, implicit } = this.scalarText(v);
    const a = analyze(text);
    const split = !simpleKey;
    const plainOk = !(simpleKey && (a.empty || a.multiline)) && (this.flowLevel > 0 ? a.flowPlain : a.blockPlain);
    if (implicit && plainOk) this.plain(text, split);
    else if (a.singleQuoted && !(simpleKey && a.multiline)) this.singleQuoted(text, split);
    else this.doubleQuoted(text, split);
  }

  private plain(text: string, split: boolean): void {
    if (text === '') return;
    if (!this.whitespace) this.write(' ');
    this.whitespace = false;
    this.indention = false;
    this.runs(text, split, false);
  }

  private singleQuoted(text: string, split: boolean): void {
    this.indicator("'", true);
    this.runs(text, split, true);
    this.indicator("'", false);
  }

  /** PyYAML's write_plain / write_single_quoted: words, folding at the width, breaks doubled. */
  private runs(text: string, split: boolean, quoted: boolean): void {
    const chars = codePoints(text);
    let spaces = false;
    let breaks = false;
    let start = 0;
    for (let end = 0; end <= chars.length; end++) {
      const ch = chars[end];
      if (spaces) {
        if (ch !== ' ') {
          if (start + 1 === end && this.column > this.o.width && split && (!quoted || (start !== 0 && end !== chars.length))) {
            this.writeIndent();
            if (!quoted) this.whitespace = this.indention = false;
          } else this.write(chars.slice(start, end).join(''));
          start = end;
        }
      } else if (breaks) {
        if (ch === undefined || !BREAKS.includes(ch)) {
          if (chars[start] === '\n') this.lineBreak();
          for (const br of chars.slice(start, end)) this.lineBreak(br === '\n' ? '\n' : br);
          this.writeIndent();
          if (!quoted) this.whitespace = this.indention = false;
          start = end;
        }
      } else if (ch === undefined || ` ${BREAKS}`.includes(ch) || (quoted && ch === "'")) {
        if (start < end) this.write(chars.slice(start, end).join(''));
        start = end;
      }
      if (quoted && ch === "'") {
        this.write("''");
        start = end + 1;
      }
      if (ch !== undefined) {
        spaces = ch === ' ';
        breaks = BREAKS.includes(ch);
      }
    }
  }

  private doubleQuoted(text: string, split: boolean): void {
    this.indicator('"', true);
    const chars = codePoints(text);
    let start = 0;
    for (let end = 0; end <= chars.length; end++) {
      const ch = chars[end];
      const c = ch?.codePointAt(0) ?? 0;
      const plainChar = ch !== undefined && !'"\\\x85\u2028\u2029\ufeff'.includes(ch) && ((c >= 0x20 && c <= 0x7e) || (c >= 0xa0 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd));
      if (!plainChar) {
        if (start < end) this.write(chars.slice(start, end).join(''));
        if (ch !== undefined) {
          const esc = ESCAPES[ch];
          const hex = c.toString(16).toUpperCase();
          this.write(esc !== undefined ? `\\${esc}` : c <= 0xff ? `\\x${hex.padStart(2, '0')}` : c <= 0xffff ? `\\u${hex.padStart(4, '0')}` : `\\U${hex.padStart(8, '0')}`);
          start = end + 1;
        }
      }
      if (end > 0 && end < chars.length - 1 && (ch === ' ' || start >= end) && this.column + (end - start) > this.o.width && split) {
        this.write(`${chars.slice(start, end).join('')}\\`);
        if (start < end) start = end;
        this.writeIndent();
        this.whitespace = this.indention = false;
        if (chars[start] === ' ') this.write('\\');
      }
    }
    this.indicator('"', false);
  }

  /** The document's end: a final line break. */
  finish(): string {
    this.writeIndent();
    return this.out;
  }
}

export function dumpYaml(v: unknown, o: DumpOptions): string {
  const e = new Emitter(o);
  e.node(v);
  return e.finish();
}
