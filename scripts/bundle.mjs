#!/usr/bin/env node
// Builds what the package ships, into a clean dist/:
//  - dist/cli.js and dist/index.js: the entry points bundled by esbuild (one file each, with
//    lazily loaded chunks for SSH and Ink). A start of `ftl` resolved and compiled ~150
//    separate modules, ~90 ms of CPU before any work; one file costs a third of that.
//    Dependencies stay external: they are installed packages, loaded as they are.
//  - dist/types/: the declarations of the library's public surface (index.d.ts and what it
//    reaches), emitted by tsc, and nothing else. They must stand alone: a declaration that
//    imports a package that is not a runtime dependency (a @types/* dev dependency) fails
//    the build, since a consumer's typecheck would fail on it.
// No source maps: nothing in the package uses them.
import { execFileSync } from 'node:child_process';
import { builtinModules } from 'node:module';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { build } from 'esbuild';

const root = resolve(new URL('..', import.meta.url).pathname);
const dist = join(root, 'dist');
rmSync(dist, { recursive: true, force: true });

execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });

await build({
  entryPoints: { cli: 'src/cli.ts', index: 'src/index.ts' },
  absWorkingDir: root,
  outdir: dist,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  chunkNames: 'chunks/[name]-[hash]',
  sourcemap: false,
  jsx: 'automatic',
  logLevel: 'warning',
});

// Keep the declarations the public surface reaches; check what they import.
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const deps = new Set(Object.keys(pkg.dependencies ?? {}));
const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
/** A consumer resolves a package's types when it is a dependency that ships its own, or its @types package is a dependency too. */
function typesResolve(name) {
  if (builtins.has(name)) return true;
  if (!deps.has(name)) return false;
  const atTypes = `@types/${name.startsWith('@') ? name.slice(1).replace('/', '__') : name}`;
  if (deps.has(atTypes)) return true;
  const own = JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8'));
  const exportsText = JSON.stringify(own.exports ?? {});
  return own.types !== undefined || own.typings !== undefined || exportsText.includes('"types"') || existsSync(join(root, 'node_modules', name, 'index.d.ts'));
}
const types = join(dist, 'types');
const keep = new Set();
const problems = [];
const queue = [join(types, 'index.d.ts')];
// Import and export statements, and import() types; not comments.
const SPEC = /^\s*(?:import|export)\s[^'";]*?\bfrom\s+['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm;
while (queue.length > 0) {
  const file = queue.pop();
  if (keep.has(file)) continue;
  keep.add(file);
  for (const m of readFileSync(file, 'utf8').matchAll(SPEC)) {
    const spec = m[1] ?? m[2];
    if (spec.startsWith('.')) {
      const target = resolve(dirname(file), spec.replace(/\.js$/, '.d.ts'));
      if (existsSync(target)) queue.push(target);
      else problems.push(`${relative(root, file)} imports ${spec}, which has no declaration`);
      continue;
    }
    const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
    if (!typesResolve(name)) problems.push(`${relative(root, file)} imports '${spec}', whose types a consumer cannot resolve (not a runtime dependency with its own types)`);
  }
}
function prune(dir) {
  for (const name of execFileSync('ls', ['-A', dir], { encoding: 'utf8' }).split('\n').filter(Boolean)) {
    const p = join(dir, name);
    if (name.endsWith('.d.ts')) {
      if (!keep.has(p)) rmSync(p);
    } else if (!name.includes('.')) {
      prune(p);
      if (execFileSync('ls', ['-A', p], { encoding: 'utf8' }).trim() === '') rmSync(p, { recursive: true });
    }
  }
}
prune(types);
if (problems.length > 0) {
  for (const p of problems) console.error(`bundle: ${p}`);
  process.exit(1);
}
