#!/usr/bin/env node
// Bundles the entry points (dist/cli.js for the bin, dist/index.js for the library) over
// the per-file output of tsc, which stays for the types and the source maps. A start of
// `ftl` resolved and compiled ~150 separate modules, ~90 ms of CPU before any work; one
// file (with lazily loaded chunks for SSH and Ink) costs a third of that.
// Dependencies stay external: they are installed packages, loaded as they are.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

// Chunk names carry content hashes: last build's chunks would pile up.
rmSync('dist/chunks', { recursive: true, force: true });

await build({
  entryPoints: { cli: 'src/cli.ts', index: 'src/index.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  chunkNames: 'chunks/[name]-[hash]',
  sourcemap: true,
  jsx: 'automatic',
  logLevel: 'warning',
  allowOverwrite: true,
});
