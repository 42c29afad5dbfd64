/**
 * Memory for a call that prints 100 MB: the controller's RSS and the gate's, before and
 * after the call, and their peaks. The gate keeps maxOutput bytes of each stream (16 MiB
 * by default) and counts the rest, so neither side should grow with the output's size.
 * `node --import tsx bench/big-output.ts` prints the figures alone; the micro section of
 * `npm run bench` prints them too.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { automation } from '../src/run/automation.js';
import { ms } from './stats.js';
import { coreOf } from '../src/run/ftl-object.js';

const MB = 1_000_000;
const MiB = 1024 * 1024;

function statusKb(pid: number | 'self', field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${String(pid)}/status`, 'utf8'));
  return Number(m?.[1] ?? 0);
}

const mib = (kb: number): string => `${(kb / 1024).toFixed(0)} MiB`;

/** One call printing `bytes` of stdout on a fresh local gate, with the memory around it. */
export async function benchBigOutput(log: (line: string) => void, bytes = 100 * MB): Promise<void> {
  const ftl = await automation();
  try {
    await ftl.run('localhost', 'ping', {});
    const gatePid = coreOf(ftl).gates.list()[0]?.pid;
    if (gatePid === undefined) throw new Error('no local gate');
    global.gc?.();
    const before = { controller: statusKb('self', 'VmRSS'), gate: statusKb(gatePid, 'VmRSS') };
    // The controller's own VmHWM includes whatever ran before in this process: sample instead.
    let controllerPeak = before.controller;
    const sampler = setInterval(() => {
      controllerPeak = Math.max(controllerPeak, statusKb('self', 'VmRSS'));
    }, 5);
    const t0 = performance.now();
    const r = await ftl.run('localhost', 'shell', { cmd: `head -c ${String(bytes)} /dev/zero | tr '\\0' y` }, { timeout: 300 });
    const took = performance.now() - t0;
    clearInterval(sampler);
    controllerPeak = Math.max(controllerPeak, statusKb('self', 'VmRSS'));
    const res = r.hosts[0]?.result ?? {};
    const kept = typeof res.stdout === 'string' ? res.stdout.length : 0;
    const after = { controller: statusKb('self', 'VmRSS'), gate: statusKb(gatePid, 'VmRSS') };
    const gatePeak = statusKb(gatePid, 'VmHWM');
    log(
      `${String(bytes / MB)} MB of stdout (native shell, local gate, maxOutput 16 MiB): ${r.hosts[0]?.status ?? '?'} in ${ms(took)}, ` +
        `${(kept / MiB).toFixed(0)} MiB kept, truncated ${String(res.truncated)}; ` +
        `controller RSS ${mib(before.controller)} before, ${mib(after.controller)} after, peak ~${mib(controllerPeak)}; ` +
        `gate RSS ${mib(before.gate)} before, ${mib(after.gate)} after, peak ${mib(gatePeak)}`,
    );
  } finally {
    await ftl.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await benchBigOutput((line) => {
    console.log(line);
  });
}
