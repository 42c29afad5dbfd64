/**
 * Host sets folded into ranges, as ClusterShell writes them: web01 web02 web03 db1
 * becomes `db1,web[01-03]`. Pure; the inverse of expandHosts.
 */

/** Natural order: web2 before web10. */
export function naturalCompare(a: string, b: string): number {
  const ra = a.match(/\d+|\D+/g) ?? [];
  const rb = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.min(ra.length, rb.length); i++) {
    const x = ra[i] ?? '';
    const y = rb[i] ?? '';
    if (x === y) continue;
    const nx = /^\d/.test(x);
    const ny = /^\d/.test(y);
    if (nx && ny) {
      const d = Number(x) - Number(y);
      if (d !== 0) return d;
      return x.length - y.length;
    }
    return x < y ? -1 : 1;
  }
  return ra.length - rb.length;
}

interface Split {
  prefix: string;
  digits: string;
  suffix: string;
}

/** The last run of digits, with what comes before and after it. */
function split(name: string): Split | undefined {
  const m = /^(.*?)(\d+)(\D*)$/.exec(name);
  if (m === null) return undefined;
  return { prefix: m[1] ?? '', digits: m[2] ?? '', suffix: m[3] ?? '' };
}

function ranges(nums: string[]): string {
  // Same width and padding fold together: 01-03; differing widths stay apart.
  const sorted = [...new Set(nums)].sort((a, b) => Number(a) - Number(b) || a.length - b.length);
  const parts: string[] = [];
  let i = 0;
  while (i < sorted.length) {
    let j = i;
    const start = sorted[i] ?? '';
    while (j + 1 < sorted.length) {
      const cur = sorted[j] ?? '';
      const next = sorted[j + 1] ?? '';
      const sameShape = next.length === cur.length || (!next.startsWith('0') && !cur.startsWith('0'));
      if (Number(next) === Number(cur) + 1 && sameShape) j++;
      else break;
    }
    const end = sorted[j] ?? '';
    parts.push(i === j ? start : `${start}-${end}`);
    i = j + 1;
  }
  return parts.join(',');
}

export function foldHosts(names: readonly string[]): string {
  const groups = new Map<string, { prefix: string; suffix: string; nums: string[] }>();
  const plain: string[] = [];
  for (const n of new Set(names)) {
    const s = split(n);
    // Names with brackets or commas would not read back; they stay as they are.
    if (s === undefined || /[[\],]/.test(n)) {
      plain.push(n);
      continue;
    }
    const key = `${s.prefix}\0${s.suffix}`;
    const g = groups.get(key) ?? { prefix: s.prefix, suffix: s.suffix, nums: [] };
    g.nums.push(s.digits);
    groups.set(key, g);
  }
  const parts: { sortKey: string; text: string }[] = plain.map((p) => ({ sortKey: p, text: p }));
  for (const g of groups.values()) {
    const first = [...g.nums].sort((a, b) => Number(a) - Number(b))[0] ?? '';
    if (g.nums.length === 1) parts.push({ sortKey: `${g.prefix}${first}${g.suffix}`, text: `${g.prefix}${first}${g.suffix}` });
    else parts.push({ sortKey: `${g.prefix}${first}${g.suffix}`, text: `${g.prefix}[${ranges(g.nums)}]${g.suffix}` });
  }
  return parts
    .sort((a, b) => naturalCompare(a.sortKey, b.sortKey))
    .map((p) => p.text)
    .join(',');
}

/** `web[01-03,07],db1` back into names. */
export function expandHosts(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  const items: string[] = [];
  for (const c of text) {
    if (c === '[') depth++;
    if (c === ']') depth--;
    if (c === ',' && depth === 0) {
      items.push(cur);
      cur = '';
    } else cur += c;
  }
  if (cur !== '') items.push(cur);
  for (const item of items) {
    const m = /^(.*?)\[([^\]]+)\](.*)$/.exec(item.trim());
    if (m === null) {
      if (item.trim() !== '') out.push(item.trim());
      continue;
    }
    const [, prefix = '', body = '', suffix = ''] = m;
    for (const part of body.split(',')) {
      const [a = '', b] = part.split('-');
      if (b === undefined) {
        out.push(`${prefix}${a}${suffix}`);
        continue;
      }
      const width = a.startsWith('0') ? a.length : 0;
      for (let n = Number(a); n <= Number(b); n++) out.push(`${prefix}${String(n).padStart(width, '0')}${suffix}`);
    }
  }
  return out;
}
