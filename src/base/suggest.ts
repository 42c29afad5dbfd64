import Fuse from 'fuse.js';

/** Edit distance with transpositions (optimal string alignment): 'pnig' is 1 from 'ping'. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  const at = (i: number, j: number): number => d[i]?.[j] ?? 0;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, at(i - 2, j - 2) + 1);
      const row = d[i];
      if (row !== undefined) row[j] = v;
    }
  }
  return at(a.length, b.length);
}

/**
 * The names closest to a mistyped one: near misses by edit distance first (typos,
 * swapped letters), then fuzzy matches (fuse.js) for longer or partial names.
 */
export function closest(name: string, candidates: readonly string[], n = 3, fuse?: Fuse<string>): string[] {
  const limit = Math.max(1, Math.floor(name.length / 3));
  const near = candidates
    .filter((c) => Math.abs(c.length - name.length) <= limit)
    .map((c) => ({ c, d: editDistance(name.toLowerCase(), c.toLowerCase()) }))
    .filter((x) => x.d <= limit)
    .sort((x, y) => x.d - y.d || x.c.length - y.c.length)
    .map((x) => x.c);
  const fuzzy = (fuse ?? new Fuse(candidates as string[], { threshold: 0.4 })).search(name, { limit: n }).map((r) => r.item);
  return [...new Set([...near, ...fuzzy])].slice(0, n);
}
