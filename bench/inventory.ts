import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Inventory } from '../src/inventory/index.js';
import { summarise, ms } from './stats.js';

/** Loading a 5,000-host inventory with group_vars (target: well under a second). */
export async function benchInventory(log: (line: string) => void): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ftl-bench-inv-'));
  try {
    const groups: Record<string, unknown> = {};
    for (let g = 0; g < 50; g++) {
      const hosts: Record<string, unknown> = {};
      for (let h = 0; h < 100; h++) hosts[`g${g}h${String(h).padStart(3, '0')}`] = { ansible_host: `10.${g}.0.${h}`, idx: h };
      groups[`group${g}`] = { hosts, vars: { tier: g % 3 } };
    }
    writeFileSync(join(dir, 'inventory.yml'), JSON.stringify({ all: { children: { prod: { children: groups } } } }));
    mkdirSync(join(dir, 'group_vars'));
    for (let g = 0; g < 50; g++) writeFileSync(join(dir, 'group_vars', `group${g}.yml`), `ntp: ntp${g}.example.com\nzone: z${g}\n`);
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      const inv = await Inventory.load([join(dir, 'inventory.yml')]);
      for (const h of inv.hostNames) inv.facts(h);
      times.push(performance.now() - t0);
    }
    log(`inventory: 5,000 hosts + group_vars, load and merge every host's vars: median ${ms(summarise(times).median)} (5 runs)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
