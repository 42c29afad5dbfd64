import { arch, cpus, release } from 'node:os';
import { benchInventory } from './inventory.js';
import { benchLocalGate } from './gate-local.js';
import { benchZygote } from './zygote.js';

/** `npm run bench`: figures, never assertions. Each bench prints its own lines. */
const benches: [string, () => Promise<void>][] = [
  ['inventory', benchInventory],
  ['local gate', benchLocalGate],
  ['repl', (await import('./repl.js')).benchRepl],
  ['zygote', benchZygote],
];

console.log(`ftl benchmarks · node ${process.version} · ${cpus().length} × ${cpus()[0]?.model ?? '?'} · ${release()} ${arch()} · ${new Date().toISOString()}`);
for (const [name, fn] of benches) {
  try {
    await fn();
  } catch (e) {
    console.log(`${name}: failed: ${(e as Error).message}`);
    process.exitCode = 1;
  }
}
