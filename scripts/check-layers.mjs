#!/usr/bin/env node
// Keeps src/ in layers: every import points down the order below (or stays inside its own
// folder), and no file reaches itself through its imports. Run by `npm run lint`.
//   node scripts/check-layers.mjs [--graph]   (--graph prints the folder-level graph)
// Type-only imports count: a type that two layers share belongs in base/.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(new URL('..', import.meta.url).pathname);
const src = join(root, 'src');

/**
 * Which folders each folder may import besides itself. The order, top to bottom:
 * entry (cli.ts, index.ts) > commands > repl > run > nats | actions > hosts > modules >
 * ssh > gate | inventory | lab > ui > base.
 * ui (formatting, Ink) is used by commands and repl and imports only base.
 */
const BELOW = {
  entry: ['commands', 'repl', 'run', 'nats', 'actions', 'hosts', 'modules', 'ssh', 'gate', 'inventory', 'lab', 'ui', 'base'],
  commands: ['repl', 'run', 'nats', 'actions', 'hosts', 'modules', 'ssh', 'gate', 'inventory', 'lab', 'ui', 'base'],
  repl: ['run', 'modules', 'inventory', 'ui', 'base'],
  run: ['actions', 'hosts', 'modules', 'inventory', 'nats', 'base'],
  nats: ['base'],
  actions: ['hosts', 'modules', 'gate', 'inventory', 'base'],
  hosts: ['modules', 'ssh', 'gate', 'inventory', 'base'],
  modules: ['gate', 'base'],
  ssh: ['gate', 'base'],
  gate: ['base'],
  inventory: ['base'],
  lab: ['base'],
  ui: ['base'],
  base: [],
};

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (/\.tsx?$/.test(name)) out.push(p);
  }
  return out;
}

function layerOf(file) {
  const rel = relative(src, file);
  const top = rel.split('/')[0];
  if (top === rel) return 'entry';
  return top;
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\sfrom\s+)?['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g;

function importsOf(file) {
  const text = readFileSync(file, 'utf8');
  const out = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2];
    const base = resolve(dirname(file), spec);
    const target = [base.replace(/\.js$/, '.ts'), base.replace(/\.js$/, '.tsx'), `${base}.ts`, join(base, 'index.ts')].find((c) => {
      try {
        return statSync(c).isFile();
      } catch {
        return false;
      }
    });
    if (target === undefined) continue;
    const line = text.slice(0, m.index).split('\n').length + (m[0].startsWith('\n') ? 1 : 0);
    out.push({ target, line });
  }
  return out;
}

const files = walk(src);
const graph = new Map(files.map((f) => [f, importsOf(f)]));
const problems = [];

for (const [file, imports] of graph) {
  const from = layerOf(file);
  const allowed = BELOW[from];
  if (allowed === undefined) {
    problems.push(`${relative(root, file)}: folder '${from}' has no place in the layer order (scripts/check-layers.mjs)`);
    continue;
  }
  for (const { target, line } of imports) {
    const to = layerOf(target);
    if (to === from || allowed.includes(to)) continue;
    problems.push(`${relative(root, file)}:${line}: ${from} imports ${to} (${relative(root, target)}), against the layer order; move the shared part down (base/ for types)`);
  }
}

// Circles: Tarjan's strongly connected components over files.
let index = 0;
const stack = [];
const state = new Map();
const circles = [];
function visit(v) {
  const s = { index, low: index, on: true };
  index++;
  state.set(v, s);
  stack.push(v);
  for (const { target } of graph.get(v) ?? []) {
    const t = state.get(target);
    if (t === undefined) {
      visit(target);
      s.low = Math.min(s.low, state.get(target).low);
    } else if (t.on) s.low = Math.min(s.low, t.index);
  }
  if (s.low === s.index) {
    const comp = [];
    let w;
    do {
      w = stack.pop();
      state.get(w).on = false;
      comp.push(w);
    } while (w !== v);
    const selfLoop = (graph.get(v) ?? []).some((i) => i.target === v);
    if (comp.length > 1 || selfLoop) circles.push(comp);
  }
}
for (const f of files) if (!state.has(f)) visit(f);
for (const c of circles) problems.push(`import circle: ${c.map((f) => relative(root, f)).join(' → ')}`);

if (process.argv.includes('--graph')) {
  const edges = new Map();
  for (const [file, imports] of graph) {
    for (const { target } of imports) {
      const a = layerOf(file);
      const b = layerOf(target);
      if (a !== b) edges.set(`${a} → ${b}`, (edges.get(`${a} → ${b}`) ?? 0) + 1);
    }
  }
  for (const [e, n] of [...edges].sort()) console.log(`${e}  (${n})`);
}

if (problems.length > 0) {
  for (const p of problems) console.error(p);
  console.error(`check-layers: ${problems.length} problem${problems.length === 1 ? '' : 's'}`);
  process.exit(1);
}
console.log(`check-layers: ${files.length} files, imports follow the layer order, no circle`);
