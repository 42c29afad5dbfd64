import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { ensureGate } from '../src/gate/pyz.js';
import { spawnLocalGate } from '../src/gate/local.js';
import { GateClient } from '../src/gate/client.js';
import { ModuleIndex } from '../src/modules/index.js';
import { buildModuleRequest } from '../src/modules/request.js';
import { gatePayload } from '../src/hosts/gate-build.js';
import { ProcessGroup } from './proc.js';
import { summarise } from './stats.js';

const run = promisify(execFile);
const PYTHON = '/usr/bin/python3';

/**
 * The floor: a Python that has imported Ansible's lineinfile (and so its module_utils)
 * forks; the child runs the module's main() on the same arguments and exits; the parent
 * waits. What a call costs with nothing between the request and the module: no framing,
 * no thread, no reply. Prints the median wall time and the children's CPU per call, in ms,
 * and the parent's own CPU per call (the fork itself, the wait: ~1 ms here, which the
 * gate's figure counts in its zygote).
 */
const FLOOR = `
import json, os, resource, sys, time
from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes
from ansible.modules import lineinfile
args = json.loads(sys.argv[1]); n = int(sys.argv[2])
basic._ANSIBLE_ARGS = to_bytes(json.dumps({"ANSIBLE_MODULE_ARGS": args}))
def once():
    pid = os.fork()
    if pid == 0:
        fd = os.open(os.devnull, os.O_WRONLY); os.dup2(fd, 1)
        try:
            lineinfile.main()
        except SystemExit:
            pass
        os._exit(0)
    os.waitpid(pid, 0)
for _ in range(5): once()
times = []
r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
p0 = time.process_time()
for _ in range(n):
    t0 = time.perf_counter(); once(); times.append((time.perf_counter() - t0) * 1000)
p1 = time.process_time()
r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
times.sort()
cpu = ((r1.ru_utime + r1.ru_stime) - (r0.ru_utime + r0.ru_stime)) * 1000 / n
print(json.dumps({"median": times[n // 2], "cpu": cpu, "parent": (p1 - p0) * 1000 / n}))
`;

export interface FloorFigures {
  /** Through a local gate, forked from its zygote: wall ms per call (median), and the gate's CPU per call (ms, its children included). */
  gateMs: number;
  gateCpuMs: number;
  /** A bare fork of a warm interpreter running the module: wall ms per call (median), CPU per call of the children. */
  forkMs: number;
  forkCpuMs: number;
  /** The floor's parent (its side of the fork, the wait), CPU per call: the floor's children plus this is the whole of a bare fork. */
  forkParentCpuMs: number;
  /**
   * Gate CPU over the floor's, per round (each round's gate calls next to its floor run),
   * median over the rounds: against the floor's children, and against children and parent.
   * Steadier than a ratio of medians on a machine whose speed drifts during the run.
   */
  ratioChildren: number;
  ratioWhole: number;
}

/** Warm lineinfile through a local gate and as a bare fork, in the same run and on the same machine (alternating rounds). */
export async function benchLineinfileFloor(log: (s: string) => void, calls = 100, rounds = 9): Promise<FloorFigures | undefined> {
  const index = await ModuleIndex.load();
  const found = index.resolve('ansible.builtin.lineinfile');
  if (!index.ansibleAvailable || found === undefined) {
    log('lineinfile floor: skipped (no Ansible on this controller)');
    return undefined;
  }
  const work = mkdtempSync(join(tmpdir(), 'ftl-bench-floor-'));
  const args = { path: join(work, 'file.txt'), line: 'ftl bench', create: true };
  const cacheDir = join(work, 'gates');
  const build = await ensureGate({ cacheDir, extra: await gatePayload() });
  const s = await GateClient.open(spawnLocalGate(build.path, { python: PYTHON }), { host: 'localhost' });
  // The gate and its zygote, with the forks the zygote has reaped.
  const tree = s.hello.pid === undefined ? undefined : new ProcessGroup(s.hello.pid);
  const g: number[] = [];
  const gc: number[] = [];
  const f: number[] = [];
  const fc: number[] = [];
  const fp: number[] = [];
  try {
    const sentHashes = new Set<string>();
    const once = async (): Promise<void> => {
      const r = buildModuleRequest({ ...found, native: false }, args, { check: false, diff: false, verbosity: 0, ansibleVersion: index.ansibleVersion, sentHashes });
      const reply = await s.request(r.type, r.data);
      if (reply.type !== 'ModuleResult' || reply.data.failed === true) throw new Error(`lineinfile failed: ${JSON.stringify(reply.data).slice(0, 300)}`);
    };
    for (let i = 0; i < 5; i++) await once();
    await new Promise((r) => setTimeout(r, 1000));
    for (let round = 0; round < rounds; round++) {
      const times: number[] = [];
      const c0 = tree?.cpuMs() ?? NaN;
      for (let i = 0; i < calls; i++) {
        const t0 = performance.now();
        await once();
        times.push(performance.now() - t0);
      }
      const c1 = tree?.cpuMs() ?? NaN;
      g.push(summarise(times).median);
      gc.push((c1 - c0) / calls);
      const { stdout } = await run(PYTHON, ['-c', FLOOR, JSON.stringify(args), String(calls)], { env: { ...process.env, PYTHONPATH: join(index.ansibleDir ?? '', '..') } });
      const floor = JSON.parse(stdout) as { median: number; cpu: number; parent: number };
      f.push(floor.median);
      fc.push(floor.cpu);
      fp.push(floor.parent);
    }
  } finally {
    await s.close();
    rmSync(work, { recursive: true, force: true });
  }
  const ratios = (floor: (i: number) => number): number[] => gc.map((c, i) => c / floor(i));
  const whole = ratios((i) => (fc[i] ?? NaN) + (fp[i] ?? NaN));
  const out = {
    gateMs: summarise(g).median,
    gateCpuMs: summarise(gc).median,
    forkMs: summarise(f).median,
    forkCpuMs: summarise(fc).median,
    forkParentCpuMs: summarise(fp).median,
    ratioChildren: summarise(ratios((i) => fc[i] ?? NaN)).median,
    ratioWhole: summarise(whole).median,
  };
  log(
    `lineinfile, warm, same machine, ${String(rounds)} rounds of ${String(calls)} calls: through the gate ${out.gateMs.toFixed(1)} ms (gate CPU ${out.gateCpuMs.toFixed(1)} ms/call) · bare fork of a warm interpreter ${out.forkMs.toFixed(1)} ms (CPU ${out.forkCpuMs.toFixed(1)} ms/call in the children, ${out.forkParentCpuMs.toFixed(1)} in the parent) · ratio ${(out.gateMs / out.forkMs).toFixed(2)}x wall; CPU, median of the rounds' ratios: ${out.ratioChildren.toFixed(2)}x the children, ${out.ratioWhole.toFixed(2)}x children and parent (rounds ${Math.min(...whole).toFixed(2)}–${Math.max(...whole).toFixed(2)})`,
  );
  return out;
}

// Standalone: `npm run build && node --import tsx bench/lineinfile-floor.ts [calls] [rounds]`.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [calls, rounds] = process.argv.slice(2).map(Number);
  await benchLineinfileFloor((s) => { console.log(s); }, calls || undefined, rounds || undefined);
}
