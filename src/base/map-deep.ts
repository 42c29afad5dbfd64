/**
 * A value with some leaves replaced, through arrays and the records `isRecord` accepts.
 * `leaf` returns the replacement, or the value itself to keep it. Containers in which
 * nothing changed are returned as they are, not copied (callers compare by identity).
 */
export function mapDeep<T>(value: T, leaf: (v: unknown) => unknown, isRecord: (v: object) => boolean): T {
  const walk = (v: unknown): unknown => {
    const r = leaf(v);
    if (r !== v) return r;
    if (Array.isArray(v)) {
      const out = v.map(walk);
      return out.some((x, i) => x !== v[i]) ? out : v;
    }
    if (typeof v === 'object' && v !== null && isRecord(v)) {
      let changed = false;
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) {
        const y = walk(x);
        if (y !== x) changed = true;
        out[k] = y;
      }
      return changed ? out : v;
    }
    return v;
  };
  return walk(value) as T;
}
