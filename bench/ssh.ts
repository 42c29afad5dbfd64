import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { GateSession } from '../src/gate/session.js';
import { Inventory } from '../src/inventory/index.js';
import { labUp, type Lab } from '../src/lab/lab.js';
import { gateBuild } from '../src/run/gate-build.js';
import { createSshGateFactory } from '../src/ssh/index.js';
import { ms, summarise } from './stats.js';

const HOSTS = 10;

async function pingOnce(s: GateSession): Promise<void> {
  await s.request('FTLModule', { module_name: 'ping', module_args: {} });
}

/** SSH gates on a lab of 10 real sshd hosts: the cold first call (connect, deploy, handshake, ping) and warm pings. */
export async function benchSsh(): Promise<void> {
  const parent = mkdtempSync(join(tmpdir(), 'ftl-bench-ssh-'));
  let lab: Lab | undefined;
  const sessions: GateSession[] = [];
  try {
    lab = await labUp({ count: HOSTS, dir: join(parent, 'lab') });
    const inv = await Inventory.load([lab.inventoryPath]);
    const gate = await gateBuild();
    const factory = createSshGateFactory({ gate, resolveFacts: (n) => inv.facts(n), remoteDir: join(parent, 'remote-ftl') });
    try {
      const t0 = performance.now();
      const cold = await Promise.all(
        lab.hosts.map(async (h) => {
          const start = performance.now();
          const s = await GateSession.open(await factory.open(inv.facts(h.name)), { host: h.name });
          sessions.push(s);
          await pingOnce(s);
          return performance.now() - start;
        }),
      );
      const coldWall = performance.now() - t0;
      const c = summarise(cold);
      const st = factory.stats();
      console.log(
        `ssh gates, ${String(HOSTS)} lab hosts: cold first call (connect, deploy, handshake, ping) all at once in ${ms(coldWall)}; per host median ${ms(c.median)}, max ${ms(Math.max(...cold))} (${String(st.uploads)} uploads of ${String(gate.size)} bytes, ${String(st.connections)} connections)`,
      );
      for (let i = 0; i < 20; i++) await Promise.all(sessions.map(pingOnce));
      const rounds: number[] = [];
      for (let i = 0; i < 200; i++) {
        const start = performance.now();
        await Promise.all(sessions.map(pingOnce));
        rounds.push(performance.now() - start);
      }
      const w = summarise(rounds);
      const single: number[] = [];
      const first = sessions[0];
      if (first !== undefined) {
        for (let i = 0; i < 200; i++) {
          const start = performance.now();
          await pingOnce(first);
          single.push(performance.now() - start);
        }
      }
      const one = summarise(single);
      console.log(`ssh gates, ${String(HOSTS)} lab hosts: warm ping on all ${String(HOSTS)} at once: median ${ms(w.median)}, p95 ${ms(w.p95)} (200 rounds); one host: median ${ms(one.median)}, p95 ${ms(one.p95)}`);
    } finally {
      await Promise.all(sessions.map((s) => s.close()));
      await factory.closeAll();
    }
  } finally {
    await lab?.down();
    rmSync(parent, { recursive: true, force: true });
  }
}
