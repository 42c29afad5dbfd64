import { join } from 'node:path';
import { GatePool } from '../../src/gate/pool.js';
import { GateClient } from '../../src/gate/client.js';
import { Inventory } from '../../src/inventory/index.js';
import type { HostFacts } from '../../src/inventory/facts.js';
import type { Lab } from '../../src/lab/lab.js';
import { gateBuild } from '../../src/hosts/gate-build.js';
import { createSshGateFactory, type SshGateFactory, type SshGateFactoryOptions } from '../../src/ssh/index.js';

export interface LabGates {
  inv: Inventory;
  factory: SshGateFactory;
  facts(name: string): HostFacts;
  /** Gates by host name, opened through the factory. */
  pool: GatePool;
  /** Where gates are kept on the lab hosts (inside the lab dir, so each test starts with none). */
  remoteDir: string;
  close(): Promise<void>;
}

/** An SSH gate factory and a gate pool for the hosts of a lab, through its real inventory file (or another one). */
export async function labGates(lab: Lab, opts: Partial<SshGateFactoryOptions> = {}, inventoryPath = lab.inventoryPath): Promise<LabGates> {
  const inv = await Inventory.load([inventoryPath]);
  const gate = await gateBuild();
  const remoteDir = opts.remoteDir ?? join(lab.dir, 'remote-ftl');
  const facts = (name: string): HostFacts => inv.facts(name);
  const factory = createSshGateFactory({
    gate,
    resolveFacts: (n) => (inv.host(n) === undefined ? undefined : inv.facts(n)),
    remoteDir,
    connectTimeoutMs: 30_000,
    ...opts,
  });
  const pool = new GatePool((spec) => factory.open(facts(spec.key)), { helloTimeoutMs: 60_000 });
  return {
    inv,
    factory,
    facts,
    pool,
    remoteDir,
    close: async () => {
      await pool.closeAll();
      await factory.closeAll();
    },
  };
}

/** Opens a gate for these facts (not pooled), pings it, and closes it. */
export async function pingThrough(g: LabGates, facts: HostFacts, open: { timeoutMs?: number } = {}): Promise<unknown> {
  const s = await GateClient.open(await g.factory.open(facts, undefined, open.timeoutMs === undefined ? undefined : { timeoutMs: open.timeoutMs }), { host: facts.name, helloTimeoutMs: 60_000 });
  try {
    return await ping(s);
  } finally {
    await s.close();
  }
}

export async function ping(s: GateClient): Promise<unknown> {
  const r = await s.request('FTLModule', { module_name: 'ping', module_args: {} }, { timeoutMs: 60_000 });
  return (r.data.result as { ping?: unknown } | undefined)?.ping;
}
