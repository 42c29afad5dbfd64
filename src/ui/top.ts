/** The rows of the REPL's `.top` panel: one per host, sorted by a key the person chooses. */

export interface TopRow {
  readonly host: string;
  /** undefined: no metrics from this host yet. */
  readonly cpu?: number;
  readonly load?: number;
  readonly memPercent?: number;
  readonly memUsed?: number;
  readonly memTotal?: number;
  readonly diskPercent?: number;
  /** Bytes per second, received and sent. */
  readonly rxRate?: number;
  readonly txRate?: number;
  /** Why this host sends nothing (its stream did not start, or ended). */
  readonly note?: string;
}

export type TopSort = 'host' | 'cpu' | 'load' | 'mem' | 'disk' | 'net';

/** The key that sorts by each column (what the panel's last line says). */
export const SORT_KEYS: Readonly<Record<string, TopSort>> = { h: 'host', c: 'cpu', l: 'load', m: 'mem', d: 'disk', n: 'net' };

function value(r: TopRow, by: TopSort): number | undefined {
  switch (by) {
    case 'cpu':
      return r.cpu;
    case 'load':
      return r.load;
    case 'mem':
      return r.memPercent;
    case 'disk':
      return r.diskPercent;
    case 'net':
      return r.rxRate === undefined && r.txRate === undefined ? undefined : (r.rxRate ?? 0) + (r.txRate ?? 0);
    default:
      return undefined;
  }
}

/** Hosts by name; any other key puts the highest first (hosts without metrics last, by name). */
export function sortRows(rows: readonly TopRow[], by: TopSort): TopRow[] {
  const byName = (a: TopRow, b: TopRow): number => a.host.localeCompare(b.host, undefined, { numeric: true });
  if (by === 'host') return [...rows].sort(byName);
  return [...rows].sort((a, b) => {
    const va = value(a, by);
    const vb = value(b, by);
    if (va === undefined || vb === undefined) return va === vb ? byName(a, b) : va === undefined ? 1 : -1;
    return vb - va || byName(a, b);
  });
}

/** Bytes in the shortest unit that keeps 3 significant digits: 512B, 1.5K, 23M, 2.0G. */
export function bytes(n: number | undefined): string {
  if (n === undefined) return '-';
  const units = ['B', 'K', 'M', 'G', 'T'];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 10 || i === 0 ? Math.round(v).toString() : v.toFixed(1)}${units[i] ?? ''}`;
}

export function percent(n: number | undefined): string {
  return n === undefined ? '-' : `${n.toFixed(1)}%`;
}
