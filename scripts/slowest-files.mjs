// A node:test reporter that prints, at the end, the files that took longest (the sum of their
// top-level tests), so that a slow CI run says where its time went.
export default async function* slowestFiles(source) {
  const perFile = new Map();
  for await (const ev of source) {
    if ((ev.type !== 'test:pass' && ev.type !== 'test:fail') || ev.data.nesting !== 0) continue;
    const file = ev.data.file ?? '?';
    perFile.set(file, (perFile.get(file) ?? 0) + (ev.data.details?.duration_ms ?? 0));
  }
  const rows = [...perFile].sort((a, b) => b[1] - a[1]).slice(0, 20);
  if (rows.length === 0) return;
  const root = process.cwd() + '/';
  yield '\nslowest test files (seconds, sum of top-level tests):\n';
  for (const [file, ms] of rows) yield `  ${(ms / 1000).toFixed(1).padStart(7)}  ${file.replace(root, '')}\n`;
}
