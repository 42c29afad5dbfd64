import { InventoryError } from '../base/errors.js';

/**
 * Ansible's host ranges: `web[01:03]`, `db[a:c]`, `node[1:10:2]`, several per name.
 * A name without brackets is itself.
 */
export function expandHostPattern(pattern: string, file: string): string[] {
  const m = /^(.*?)\[([^\]]*)\](.*)$/.exec(pattern);
  if (m === null) return [pattern];
  const [, head = '', range = '', tail = ''] = m;
  const parts = range.split(':');
  if (parts.length < 2 || parts.length > 3) {
    // Not a range (e.g. an IPv6 literal): the name stays as written.
    return [pattern];
  }
  const [beg = '', end = '', strideText] = parts;
  const stride = strideText === undefined || strideText === '' ? 1 : Number(strideText);
  if (!Number.isInteger(stride) || stride < 1) throw new InventoryError('FTL_INVENTORY_SYNTAX', `bad stride in host range '${pattern}' in ${file}`);
  const seq: string[] = [];
  if (/^[a-zA-Z]$/.test(beg) && /^[a-zA-Z]$/.test(end)) {
    for (let c = beg.charCodeAt(0); c <= end.charCodeAt(0); c += stride) seq.push(String.fromCharCode(c));
  } else if (/^\d*$/.test(beg) && /^\d+$/.test(end)) {
    const from = beg === '' ? 0 : Number(beg);
    const to = Number(end);
    if (from > to) throw new InventoryError('FTL_INVENTORY_SYNTAX', `host range '${pattern}' in ${file} starts after it ends`);
    // A leading zero in the start pads every number to the width of the start.
    const width = beg.startsWith('0') ? beg.length : 0;
    for (let n = from; n <= to; n += stride) seq.push(String(n).padStart(width, '0'));
  } else {
    throw new InventoryError('FTL_INVENTORY_SYNTAX', `host range '${pattern}' in ${file} mixes letters and numbers`);
  }
  return seq.flatMap((s) => expandHostPattern(`${head}${s}${tail}`, file));
}
