/** Python's printf-style `'%s:%d' % (a, b)` and the `format` filter built on it. */
import { isDict, isNumber, isTuple, numberOf, repr, str, TemplateError, typeName } from './values.js';

const SPEC = /%(?:\(([^)]*)\))?([-+ #0]*)(\*|\d+)?(?:\.(\*|\d+))?([diouxXeEfFgGcrsa%])/g;

function asNumber(v: unknown, conv: string): number {
  if (typeof v === 'boolean') return Number(v);
  if (!isNumber(v)) throw new TemplateError(`%${conv} format: a real number is required, not ${typeName(v)}`);
  return numberOf(v);
}

function pad(body: string, flags: string, width: number, numeric: boolean): string {
  if (body.length >= width) return body;
  if (flags.includes('-')) return body.padEnd(width);
  if (flags.includes('0') && numeric) {
    const sign = /^[-+ ]/.test(body) ? (body[0] ?? '') : '';
    return sign + body.slice(sign.length).padStart(width - sign.length, '0');
  }
  return body.padStart(width);
}

function signed(n: number, text: string, flags: string): string {
  if (n < 0 || Object.is(n, -0)) return `-${text.replace(/^-/, '')}`;
  return (flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : '') + text;
}

function general(n: number, prec: number, upper: boolean): string {
  const p = prec === 0 ? 1 : prec;
  const exp = n === 0 ? 0 : Math.floor(Math.log10(Math.abs(n)));
  let out: string;
  if (exp < -4 || exp >= p) {
    const [m = '', e = '0'] = Math.abs(n).toExponential(p - 1).split('e');
    const ev = Number(e);
    out = `${m.includes('.') ? m.replace(/\.?0+$/, '') : m}e${ev < 0 ? '-' : '+'}${String(Math.abs(ev)).padStart(2, '0')}`;
  } else {
    out = Math.abs(n).toFixed(Math.max(0, p - 1 - exp));
    if (out.includes('.')) out = out.replace(/\.?0+$/, '');
  }
  return upper ? out.toUpperCase() : out;
}

function convert(v: unknown, conv: string, flags: string, prec: number | undefined): { text: string; numeric: boolean } {
  switch (conv) {
    case 's':
      return { text: prec === undefined ? str(v) : str(v).slice(0, prec), numeric: false };
    case 'r':
    case 'a':
      return { text: repr(v), numeric: false };
    case 'c':
      return { text: typeof v === 'string' ? v : String.fromCodePoint(asNumber(v, conv)), numeric: false };
    case 'd':
    case 'i':
    case 'u': {
      const n = Math.trunc(asNumber(v, conv));
      return { text: signed(n, String(Math.abs(n)), flags), numeric: true };
    }
    case 'o':
    case 'x':
    case 'X': {
      const n = Math.trunc(asNumber(v, conv));
      let t = Math.abs(n).toString(conv === 'o' ? 8 : 16);
      if (conv === 'X') t = t.toUpperCase();
      if (flags.includes('#')) t = (conv === 'o' ? '0o' : conv === 'x' ? '0x' : '0X') + t;
      return { text: signed(n, t, flags), numeric: true };
    }
    case 'f':
    case 'F': {
      const n = asNumber(v, conv);
      return { text: signed(n, Math.abs(n).toFixed(prec ?? 6), flags), numeric: true };
    }
    case 'e':
    case 'E': {
      const n = asNumber(v, conv);
      const [m = '', e = '0'] = Math.abs(n).toExponential(prec ?? 6).split('e');
      const ev = Number(e);
      const t = `${m}e${ev < 0 ? '-' : '+'}${String(Math.abs(ev)).padStart(2, '0')}`;
      return { text: signed(n, conv === 'E' ? t.toUpperCase() : t, flags), numeric: true };
    }
    default: {
      const n = asNumber(v, conv);
      return { text: signed(n, general(Math.abs(n), prec ?? 6, conv === 'G'), flags), numeric: true };
    }
  }
}

export function pyFormat(format: string, values: unknown): string {
  const byName = isDict(values) ? values : undefined;
  const list = isTuple(values) ? [...(values as unknown[])] : byName === undefined ? [values] : [];
  let used = 0;
  const take = (): unknown => {
    if (used >= list.length) throw new TemplateError('not enough arguments for format string');
    return list[used++];
  };
  const out = format.replace(SPEC, (_all, name: string | undefined, flags: string, width: string | undefined, precision: string | undefined, conv: string) => {
    if (conv === '%') return '%';
    const w = width === '*' ? Number(take()) : width === undefined ? 0 : Number(width);
    const p = precision === '*' ? Number(take()) : precision === undefined ? undefined : Number(precision);
    let v: unknown;
    if (name !== undefined) {
      if (byName === undefined) throw new TemplateError('format requires a mapping');
      v = byName[name];
    } else v = take();
    const c = convert(v, conv, flags, p);
    return pad(c.text, flags, w, c.numeric);
  });
  if (byName === undefined && used < list.length) throw new TemplateError('not all arguments converted during string formatting');
  return out;
}

