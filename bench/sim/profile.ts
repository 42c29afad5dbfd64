/**
 * Profiles the controller on a simulated fleet: `node --import tsx bench/sim/profile.ts N [DIR]`
 * starts N simulated hosts and runs controller.mjs under --cpu-prof (profiles land in DIR,
 * default ./.bench-profiles), then prints its figures. For finding where the per-host CPU goes.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSimFleet, SIM_GROUP } from './fleet.js';

const hosts = Number(process.argv[2] ?? '1000');
const out = resolve(process.argv[3] ?? '.bench-profiles');
mkdirSync(out, { recursive: true });
const dir = mkdtempSync(join(tmpdir(), 'ftl-sim-prof-'));
const fleet = await startSimFleet({ count: hosts, latencyMs: 1, jitterMs: 1, dir });
try {
  const controller = fileURLToPath(new URL('./controller.mjs', import.meta.url));
  const req = { inventory: fleet.inventoryPath, pattern: SIM_GROUP, hosts, warmCalls: 3, module: 'ping', args: {} };
  const r = execFileSync(process.execPath, ['--expose-gc', '--cpu-prof', `--cpu-prof-dir=${out}`, controller, JSON.stringify(req)], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  const p = JSON.parse(r.trim().split('\n').pop() ?? '{}') as Record<string, unknown>;
  delete p.warmSamples;
  console.log(JSON.stringify(p, null, 1));
  console.log(`profile in ${out}`);
} finally {
  await fleet.stop();
  rmSync(dir, { recursive: true, force: true });
}
