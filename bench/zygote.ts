import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { ensureGate } from '../src/gate/pyz.js';
import { spawnLocalGate } from '../src/gate/local.js';
import { GateClient } from '../src/gate/client.js';
import { ModuleIndex } from '../src/modules/index.js';
import { buildModuleRequest } from '../src/modules/request.js';
import { gatePayload } from '../src/hosts/gate-build.js';
import { ms, summarise } from './stats.js';

const run = promisify(execFile);
const PYTHON = '/usr/bin/python3';

/** Median of warm calls of Ansible's own stat module (not the native one) on a local gate. */
async function warmStat(zygote: boolean, index: ModuleIndex, calls: number): Promise<number> {
  const cacheDir = mkdtempSync(join(tmpdir(), 'ftl-bench-zygote-'));
  const build = await ensureGate({ cacheDir, extra: await gatePayload() });
  const env = zygote ? process.env : { ...process.env, FTL_GATE_NO_ZYGOTE: '1' };
  const s = await GateClient.open(spawnLocalGate(build.path, { python: PYTHON, env }), { host: 'localhost' });
  try {
    const found = index.resolve('ansible.builtin.stat');
    if (found === undefined) throw new Error('no ansible.builtin.stat on this controller');
    const info = { ...found, native: false };
    const sentHashes = new Set<string>();
    const once = async (): Promise<void> => {
      const r = buildModuleRequest(info, { path: '/etc/hostname' }, { check: false, diff: false, verbosity: 0, ansibleVersion: index.ansibleVersion, sentHashes });
      const reply = await s.request(r.type, r.data);
      if (reply.type !== 'ModuleResult' || reply.data.failed === true) throw new Error(`stat failed: ${JSON.stringify(reply.data).slice(0, 200)}`);
    };
    // Warm: the source is on the host and the zygote has its imports done (idle ones too).
    for (let i = 0; i < 5; i++) await once();
    await new Promise((r) => setTimeout(r, 2000));
    const times: number[] = [];
    for (let i = 0; i < calls; i++) {
      const t0 = performance.now();
      await once();
      times.push(performance.now() - t0);
    }
    return summarise(times).median;
  } finally {
    await s.close();
    rmSync(cacheDir, { recursive: true, force: true });
  }
}

/** Ansible's stat module through the gate: forked from the zygote, in a new interpreter per call, and `ansible -m stat`. */
export async function benchZygote(log: (line: string) => void): Promise<void> {
  const index = await ModuleIndex.load();
  if (!index.ansibleAvailable) {
    log('zygote: skipped (no Ansible on this controller)');
    return;
  }
  const forked = await warmStat(true, index, 50);
  const fresh = await warmStat(false, index, 20);
  const ans: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    await run('ansible', ['localhost', '-c', 'local', '-m', 'stat', '-a', 'path=/etc/hostname'], { env: { ...process.env, ANSIBLE_PYTHON_INTERPRETER: PYTHON, ANSIBLE_LOCALHOST_WARNING: 'False' } });
    ans.push(performance.now() - t0);
  }
  const ansible = summarise(ans).median;
  log(
    `Ansible's stat module, warm, local gate: forked from the zygote ${ms(forked)} · new interpreter per call ${ms(fresh)} (${(fresh / forked).toFixed(1)}x slower) · ansible localhost -m stat ${ms(ansible)} (${(ansible / forked).toFixed(0)}x slower)`,
  );
}
