/**
 * A module's `diff` result (Ansible's shape) as unified-diff lines. Modules return a dict
 * or a list of dicts: { before, after, before_header, after_header } (texts, or dicts as
 * the file module gives), { prepared } (a diff the module made itself), or the
 * src_binary / src_larger / dst_binary / dst_larger notes.
 */

/** Lines around each change, as Ansible shows by default. */
const CONTEXT = 3;
/** Above this many line pairs the diff is not searched for the shortest edit: it shows the changed middle whole. */
const MAX_CELLS = 4_000_000;

function asText(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  // As Ansible prints a dict before/after: sorted keys, indented, one key a line.
  return `${JSON.stringify(sortKeys(v), null, 4)}\n`;
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(
    Object.keys(v)
      .sort()
      .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
  );
}

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

type Op = { kind: ' ' | '-' | '+'; text: string };

/** The shortest edit between two line lists (longest common subsequence), as ops in order. */
function editScript(a: readonly string[], b: readonly string[]): Op[] {
  // Common head and tail never change: only the middle needs the table.
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const ma = a.slice(head, a.length - tail);
  const mb = b.slice(head, b.length - tail);
  const middle: Op[] = [];
  if (ma.length * mb.length > MAX_CELLS) {
    for (const t of ma) middle.push({ kind: '-', text: t });
    for (const t of mb) middle.push({ kind: '+', text: t });
  } else {
    const n = ma.length;
    const m = mb.length;
    // lcs[i][j]: common lines of ma[i..] and mb[j..], in one flat array.
    const lcs = new Uint32Array((n + 1) * (m + 1));
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lcs[i * (m + 1) + j] = ma[i] === mb[j] ? (lcs[(i + 1) * (m + 1) + j + 1] ?? 0) + 1 : Math.max(lcs[(i + 1) * (m + 1) + j] ?? 0, lcs[i * (m + 1) + j + 1] ?? 0);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && ma[i] === mb[j]) {
        middle.push({ kind: ' ', text: ma[i] ?? '' });
        i++;
        j++;
      } else if (j < m && (i === n || (lcs[i * (m + 1) + j + 1] ?? 0) >= (lcs[(i + 1) * (m + 1) + j] ?? 0))) {
        middle.push({ kind: '+', text: mb[j] ?? '' });
        j++;
      } else {
        middle.push({ kind: '-', text: ma[i] ?? '' });
        i++;
      }
    }
    // Removals before additions inside a run of changes, as diff(1) shows them.
    for (let k = 0; k < middle.length; ) {
      let e = k;
      while (e < middle.length && middle[e]?.kind !== ' ') e++;
      if (e > k) {
        const run = middle.slice(k, e);
        middle.splice(k, e - k, ...run.filter((o) => o.kind === '-'), ...run.filter((o) => o.kind === '+'));
      }
      k = e + 1;
    }
  }
  return [...a.slice(0, head).map((t): Op => ({ kind: ' ', text: t })), ...middle, ...a.slice(a.length - tail).map((t): Op => ({ kind: ' ', text: t }))];
}

/** Unified diff of two texts: ---/+++ headers, @@ hunks with CONTEXT lines around each change. Empty when equal. */
export function unifiedDiff(before: string, after: string, beforeHeader = 'before', afterHeader = 'after', context = CONTEXT): string[] {
  const ops = editScript(splitLines(before), splitLines(after));
  if (!ops.some((o) => o.kind !== ' ')) return [];
  const out = [`--- ${beforeHeader}`, `+++ ${afterHeader}`];
  // Positions (in ops) of changes, grouped into hunks whose context would touch.
  let k = 0;
  while (k < ops.length) {
    while (k < ops.length && ops[k]?.kind === ' ') k++;
    if (k >= ops.length) break;
    const start = Math.max(0, k - context);
    let end = k;
    for (;;) {
      while (end < ops.length && ops[end]?.kind !== ' ') end++;
      let next = end;
      while (next < ops.length && ops[next]?.kind === ' ') next++;
      if (next < ops.length && next - end <= 2 * context) end = next;
      else break;
    }
    const stop = Math.min(ops.length, end + context);
    // Line numbers where the hunk starts, in each text.
    let aLine = 0;
    let bLine = 0;
    for (let i = 0; i < start; i++) {
      if (ops[i]?.kind !== '+') aLine++;
      if (ops[i]?.kind !== '-') bLine++;
    }
    const hunk = ops.slice(start, stop);
    const aCount = hunk.filter((o) => o.kind !== '+').length;
    const bCount = hunk.filter((o) => o.kind !== '-').length;
    const range = (line: number, count: number): string => (count === 1 ? String(line + 1) : `${String(count === 0 ? line : line + 1)},${String(count)}`);
    out.push(`@@ -${range(aLine, aCount)} +${range(bLine, bCount)} @@`);
    for (const o of hunk) out.push(`${o.kind}${o.text}`);
    k = stop;
  }
  return out;
}

/** The diff lines of one host's result; empty when it has none (or it says nothing changed). */
export function resultDiff(result: Readonly<Record<string, unknown>>): string[] {
  const d = result.diff;
  if (d === undefined || d === null) return [];
  const items = Array.isArray(d) ? (d as unknown[]) : [d];
  const out: string[] = [];
  for (const item of items) {
    if (item === null || typeof item !== 'object') continue;
    const x = item as Record<string, unknown>;
    if (typeof x.prepared === 'string' && x.prepared !== '') out.push(...splitLines(x.prepared));
    if ('before' in x || 'after' in x) {
      const header = (v: unknown, dflt: string): string => (typeof v === 'string' && v !== '' ? v : dflt);
      out.push(...unifiedDiff(asText(x.before), asText(x.after), header(x.before_header, 'before'), header(x.after_header, 'after')));
    }
    if (x.src_binary !== undefined) out.push('(diff skipped: the source file looks binary)');
    if (x.dst_binary !== undefined) out.push('(diff skipped: the destination file looks binary)');
    if (typeof x.src_larger === 'number') out.push(`(diff skipped: the source file is larger than ${String(x.src_larger)} bytes)`);
    if (typeof x.dst_larger === 'number') out.push(`(diff skipped: the destination file is larger than ${String(x.dst_larger)} bytes)`);
  }
  return out;
}

/** How a diff line is coloured: headers bold, hunks cyan, removals red, additions green. */
export function diffLineColor(line: string): 'red' | 'green' | 'cyan' | 'bold' | undefined {
  if (line.startsWith('--- ') || line.startsWith('+++ ')) return 'bold';
  if (line.startsWith('@@')) return 'cyan';
  if (line.startsWith('-')) return 'red';
  if (line.startsWith('+')) return 'green';
  return undefined;
}

const ANSI = { red: '\x1b[31m', green: '\x1b[32m', cyan: '\x1b[36m', bold: '\x1b[1m' } as const;

/** A diff line with terminal colours (for text that is not drawn by Ink). */
export function colorDiffLine(line: string): string {
  const c = diffLineColor(line);
  return c === undefined ? line : `${ANSI[c]}${line}\x1b[0m`;
}
