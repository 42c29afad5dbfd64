/** Median and percentiles of samples, for printing. */
export function summarise(samples: readonly number[]): { median: number; p95: number; p99: number } {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
  return { median: at(0.5), p95: at(0.95), p99: at(0.99) };
}

export function ms(v: number): string {
  return v < 1 ? `${(v * 1000).toFixed(0)} µs` : `${v.toFixed(1)} ms`;
}
