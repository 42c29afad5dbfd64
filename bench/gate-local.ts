import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { performance } from 'node:perf_hooks';
import { ensureGate } from '../src/gate/pyz.js';
import { spawnLocalGate } from '../src/gate/local.js';
import { GateClient } from '../src/gate/client.js';
import { automation } from '../src/run/automation.js';
import { summarise, ms } from './stats.js';

const run = promisify(execFile);

/** Warm local ping round trip on one gate, and a warm Ansible module call, against ansible ad hoc. */
export async function benchLocalGate(log: (line: string) => void): Promise<void> {
  const gate = await ensureGate();
  const s = await GateClient.open(spawnLocalGate(gate.path), { host: 'localhost' });
  try {
    for (let i = 0; i < 100; i++) await s.request('FTLModule', { module_name: 'ping', module_args: {} });
    const seq: number[] = [];
    for (let i = 0; i < 1000; i++) {
      const t0 = performance.now();
      await s.request('FTLModule', { module_name: 'ping', module_args: {} });
      seq.push(performance.now() - t0);
    }
    const st = summarise(seq);
    const seqWall = seq.reduce((a, b) => a + b, 0);
    log(`gate, local: warm ping round trip, 1000 sequential: median ${ms(st.median)}, p95 ${ms(st.p95)}, p99 ${ms(st.p99)} (${Math.round(1000 / (seqWall / 1000))} calls/s)`);
    const t0 = performance.now();
    const conc = await Promise.all(
      Array.from({ length: 1000 }, async () => {
        const start = performance.now();
        await s.request('FTLModule', { module_name: 'ping', module_args: {} });
        return performance.now() - start;
      }),
    );
    const wall = performance.now() - t0;
    const ct = summarise(conc);
    log(`gate, local: 1000 concurrent pings in ${ms(wall)} (${Math.round(1000 / (wall / 1000))} calls/s); each: median ${ms(ct.median)}, p95 ${ms(ct.p95)}, p99 ${ms(ct.p99)}`);
  } finally {
    await s.close();
  }

  const ftl = await automation();
  try {
    await ftl.run('localhost', 'stat', { path: '/etc/hostname' });
    const times: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      await ftl.run('localhost', 'stat', { path: '/etc/hostname' });
      times.push(performance.now() - t0);
    }
    const ftlStat = summarise(times).median;
    const ans: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      await run('ansible', ['localhost', '-m', 'stat', '-a', 'path=/etc/hostname'], { env: { ...process.env, ANSIBLE_PYTHON_INTERPRETER: '/usr/bin/python3' } });
      ans.push(performance.now() - t0);
    }
    const ansStat = summarise(ans).median;
    log(`localhost stat (ftl: native in the gate): ftl warm call ${ms(ftlStat)} vs ansible ad hoc ${ms(ansStat)}: ${(ansStat / ftlStat).toFixed(0)}x faster`);
  } finally {
    await ftl.close();
  }
}
