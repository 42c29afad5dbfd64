import { loadavg } from 'node:os';
import type { Driver, Work } from './drivers.js';
import type { Fleet } from './fleet.js';
import { MemorySampler, ProcessGroup, wireDelta, wireSnapshot } from './proc.js';
import { summarise } from './stats.js';

/** Who ran a series: ftl's library object, ftl's REPL, ansible-console (with or without pipelining). */
export type Tool = 'ftl' | 'ftl-repl' | 'console' | 'console-pipelining';

export const TOOL_LABEL: Record<Tool, string> = {
  ftl: 'ftl (library)',
  'ftl-repl': 'ftl REPL (piped)',
  console: 'ansible-console',
  'console-pipelining': 'ansible-console, pipelining',
};

/** One tool making one kind of warm call n times on a fleet of `hosts`, with what it cost. */
export interface Series {
  readonly tool: Tool;
  readonly hosts: number;
  readonly work: Work['key'];
  readonly samples: readonly number[];
  readonly median: number;
  readonly p95: number;
  readonly failures: number;
  readonly firstError: string;
  /** Controller CPU (every process of it), per call, ms. */
  readonly cpuMsPerCall: number;
  /** CPU on the hosts' side (sshd, shells, gates, Python), per call, over all hosts, ms. */
  readonly hostCpuMsPerCall: number;
  /** Peak over the series: the sum of PSS of the controller's processes, and of RSS. */
  readonly peakPssMb: number;
  readonly peakRssMb: number;
  readonly peakProcs: number;
  /** TCP payload per call per host (controller → hosts, hosts → controller), bytes. */
  readonly bytesOutPerHostCall: number;
  readonly bytesInPerHostCall: number;
  readonly connectionsClosed: number;
  /** The machine's 1-minute load average when the series ended (2 cores; other work shares them). */
  readonly load: number;
}

export async function measureSeries(tool: Tool, driver: Driver, work: Work, n: number, hosts: number, fleet: Fleet, budgetMs?: number): Promise<Series> {
  const group = new ProcessGroup(driver.pid, driver.detachedMarker);
  const hostSide = new ProcessGroup(fleet.listeners(hosts));
  const sampler = new MemorySampler(group);
  const wire0 = await wireSnapshot(fleet.prefix);
  const cpu0 = group.cpuMs();
  const host0 = hostSide.cpuMs();
  sampler.start();
  let run;
  try {
    run = await driver.series(work, n, budgetMs);
  } finally {
    sampler.stop();
  }
  const cpu = group.cpuMs() - cpu0;
  const hostCpu = hostSide.cpuMs() - host0;
  const wire = wireDelta(wire0, await wireSnapshot(fleet.prefix));
  const st = summarise(run.samples);
  return {
    tool,
    hosts,
    work: work.key,
    samples: run.samples,
    median: st.median,
    p95: st.p95,
    failures: run.failures,
    firstError: run.firstError,
    cpuMsPerCall: cpu / run.samples.length,
    hostCpuMsPerCall: hostCpu / run.samples.length,
    peakPssMb: sampler.peakPssKb / 1024,
    peakRssMb: sampler.peakRssKb / 1024,
    peakProcs: sampler.peakProcs,
    bytesOutPerHostCall: wire.sent / (run.samples.length * hosts),
    bytesInPerHostCall: wire.received / (run.samples.length * hosts),
    connectionsClosed: wire.closed,
    load: loadavg()[0] ?? NaN,
  };
}
