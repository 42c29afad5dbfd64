import { join } from 'node:path';
import { ConsoleDriver, FtlLibDriver, FtlReplDriver, WORK, type Driver, type Work } from './drivers.js';
import { ansibleEnv, stopMasters, type Fleet } from './fleet.js';
import { measureSeries, TOOL_LABEL, type Series, type Tool } from './measure.js';
import { ms } from './stats.js';

/** One session of one tool on the first `hosts` hosts, taking `n` warm calls of each kind of work. */
export interface SessionPlan {
  readonly tool: Tool;
  readonly hosts: number;
  readonly works: readonly Work['key'][];
  readonly n: number;
  /** Per series: past it, a series stops once it has 5 samples. */
  readonly budgetMs?: number;
  /** Called once the session has warmed up, before other controllers connect (e.g. to weigh the fleet with every gate up). */
  readonly whileOpen?: () => void;
}

/** Calls before measuring: the first opens gates or ControlPersist masters; ftl's next ship a module's source once. */
const WARMUP: Record<Tool, number> = { ftl: 3, 'ftl-repl': 3, console: 1, 'console-pipelining': 1 };

async function openDriver(tool: Tool, fleet: Fleet, hosts: number): Promise<{ driver: Driver; cleanup: () => Promise<void> }> {
  const inv = fleet.inventory(hosts);
  switch (tool) {
    case 'ftl': {
      // forks as Ansible gets them: one per host.
      const driver = await FtlLibDriver.open(inv, hosts, { forks: Math.max(hosts, 1) });
      return { driver, cleanup: () => Promise.resolve() };
    }
    case 'ftl-repl': {
      const driver = await FtlReplDriver.open(inv, hosts);
      await driver.line(`.forks ${String(Math.max(hosts, 1))}`);
      return { driver, cleanup: () => Promise.resolve() };
    }
    case 'console':
    case 'console-pipelining': {
      const pipelining = tool === 'console-pipelining';
      const controlDir = join(fleet.workDir, `cp-${tool}-${String(hosts)}`);
      const env = ansibleEnv({ pipelining, forks: Math.max(hosts, 5), controlDir }, fleet.workDir);
      const driver = await ConsoleDriver.open(inv, hosts, env, controlDir, fleet.workDir);
      return { driver, cleanup: () => stopMasters(controlDir) };
    }
  }
}

/** The first call of a session: it connects to every host (ftl: and starts the gates; Ansible: its ControlPersist masters). */
export interface FirstCall {
  readonly tool: Tool;
  readonly hosts: number;
  readonly ms: number;
}

/**
 * Runs the sessions of each fleet size side by side, taking turns series by series: ftl
 * and Ansible then meet the same conditions on a machine whose load comes and goes. Only
 * one controller works at any moment; the others sit idle with their connections open.
 */
export async function runSessions(fleet: Fleet, plans: readonly SessionPlan[], log: (s: string) => void): Promise<{ series: Series[]; firstCalls: FirstCall[] }> {
  const out: Series[] = [];
  const firstCalls: FirstCall[] = [];
  const sizes = [...new Set(plans.map((p) => p.hosts))];
  for (const hosts of sizes) {
    const group = plans.filter((p) => p.hosts === hosts);
    const open: { plan: SessionPlan; driver: Driver; cleanup: () => Promise<void> }[] = [];
    try {
      for (const plan of group) {
        const o = await openDriver(plan.tool, fleet, plan.hosts);
        open.push({ plan, ...o });
        for (const key of plan.works) {
          const warm = await o.driver.series(WORK[key], WARMUP[plan.tool]);
          const first = warm.samples[0];
          if (key === plan.works[0] && first !== undefined) firstCalls.push({ tool: plan.tool, hosts: plan.hosts, ms: first });
          if (warm.failures > 0) log(`  ${TOOL_LABEL[plan.tool]}, ${String(hosts)} hosts, warming up ${WORK[key].label}: ${String(warm.failures)} failures: ${warm.firstError}`);
        }
        // Before any other controller connects: what this one alone holds open.
        plan.whileOpen?.();
      }
      const works = [...new Set(group.flatMap((p) => p.works))];
      for (const key of works) {
        for (const { plan, driver } of open) {
          if (!plan.works.includes(key)) continue;
          const s = await measureSeries(plan.tool, driver, WORK[key], plan.n, hosts, fleet, plan.budgetMs);
          out.push(s);
          log(
            `  ${TOOL_LABEL[plan.tool]}, ${String(hosts)} hosts, ${WORK[key].label}: median ${ms(s.median)}, p95 ${ms(s.p95)} (${String(s.samples.length)} calls), CPU ${ms(s.cpuMsPerCall)}/call (hosts ${ms(s.hostCpuMsPerCall)}), ${s.peakPssMb.toFixed(0)} MB, load ${s.load.toFixed(1)}${s.failures > 0 ? `, ${String(s.failures)} FAILURES: ${s.firstError}` : ''}`,
          );
        }
      }
    } finally {
      for (const o of open) {
        await o.driver.close().catch(() => undefined);
        await o.cleanup();
      }
    }
  }
  return { series: out, firstCalls };
}
