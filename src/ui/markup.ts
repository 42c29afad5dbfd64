/** A run of doc text and how it shows. */
export interface MarkupPart {
  readonly text: string;
  readonly style: 'plain' | 'bold' | 'underline' | 'code';
}

/** Ansible's doc markup (C(), M(), I(), B(), U(), L(), R(), O(), V(), E(), RV(), P()). */
const MARKUP = /\b(RV|[ICBMULROVEP])\(((?:\\.|[^)\\])*)\)|HORIZONTALLINE/g;

function unescape(s: string): string {
  return s.replace(/\\(.)/g, '$1');
}

/** What one macro shows: names bold, emphasis and links underlined, code and values as code. */
function part(macro: string, body: string): MarkupPart[] {
  const arg = unescape(body);
  switch (macro) {
    case 'B':
    case 'M':
      return [{ text: arg, style: 'bold' }];
    case 'I':
    case 'U':
      return [{ text: arg, style: 'underline' }];
    case 'L': {
      // L(text,url)
      const comma = arg.lastIndexOf(',');
      if (comma < 0) return [{ text: arg, style: 'underline' }];
      return [
        { text: arg.slice(0, comma).trim(), style: 'underline' },
        { text: ` (${arg.slice(comma + 1).trim()})`, style: 'plain' },
      ];
    }
    case 'R':
      // R(text,reference): the reference is a docs-site anchor, of no use here.
      return [{ text: arg.split(',')[0]?.trim() ?? arg, style: 'underline' }];
    case 'P':
      // P(fqcn#type)
      return [{ text: arg.split('#')[0] ?? arg, style: 'bold' }];
    case 'O':
    case 'RV': {
      // O(option), O(option=value), O(fqcn#module:option): the option as it is written in a call.
      const plain = arg.includes(':') && arg.includes('#') ? arg.slice(arg.lastIndexOf(':') + 1) : arg;
      return [{ text: plain, style: 'bold' }];
    }
    default:
      // C, V, E
      return [{ text: arg, style: 'code' }];
  }
}

/** Doc text as parts to show, markup rendered (plain text for anything it does not know). */
export function parseMarkup(text: string): MarkupPart[] {
  const out: MarkupPart[] = [];
  let at = 0;
  for (const m of text.matchAll(MARKUP)) {
    const i = m.index;
    if (i > at) out.push({ text: text.slice(at, i), style: 'plain' });
    if (m[0] === 'HORIZONTALLINE') out.push({ text: '—'.repeat(20), style: 'plain' });
    else out.push(...part(m[1] ?? '', m[2] ?? ''));
    at = i + m[0].length;
  }
  if (at < text.length) out.push({ text: text.slice(at), style: 'plain' });
  // Neighbours of one style read as one.
  return out.reduce<MarkupPart[]>((acc, p) => {
    const last = acc[acc.length - 1];
    if (last !== undefined && last.style === p.style) acc[acc.length - 1] = { text: last.text + p.text, style: p.style };
    else if (p.text !== '') acc.push(p);
    return acc;
  }, []);
}

/** The same, as plain text (for pipes and --json-free listings): code in quotes where it stands alone. */
export function markupText(text: string): string {
  return parseMarkup(text)
    .map((p) => (p.style === 'code' ? `'${p.text}'` : p.text))
    .join('');
}
