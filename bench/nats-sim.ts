/**
 * NATS workers on the simulated fleet: for each size, one controller on its own, then three
 * `ftl worker`s (shards 1/3..3/3, the built bin/ftl.js) behind a real nats-server with the
 * controller calling through them, each on a fresh simulated fleet with the same settings
 * (bench/sim/fleet.ts, 1 ± 1 ms per reply). The controller is controller.mjs in a process
 * of its own (as bench/sim/curve.ts runs it, forks = hosts; the workers get -f hosts too):
 * time to the first call's end (connect, start every gate, ping; through NATS also finding
 * the workers), warm pings (median), hosts ok, and RSS and CPU per call of the controller,
 * the workers and nats-server. Figures, never assertions.
 *
 *   node --import tsx bench/nats-sim.ts --sizes 100,1000 [--warm 10] [--no-direct]
 *
 * Needs nats-server (Debian package nats-server) and the built package (npm run build).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startFtlWorkers, startNatsServer, stopFtlWorkers, type FtlWorker, type NatsServer } from './nats-procs.js';
import { loadNow, runController, type ControllerFigures } from './sim/curve.js';
import { startSimFleet, SIM_GROUP } from './sim/fleet.js';

/** The workers a NATS row runs: shards 1/3, 2/3, 3/3. */
const WORKERS = 3;

export type NatsSimSetup = 'one controller' | 'nats workers';

export interface NatsSimRow {
  hosts: number;
  setup: NatsSimSetup;
  /** ftl worker processes (0: the controller held the gates). */
  workers: number;
  firstMs: number;
  warmMedianMs: number;
  warmCalls: number;
  /** Hosts ok in the first call, and summed over the warm calls (all ok: hosts × warmCalls). */
  firstOk: number;
  warmOk: number;
  /** The first host that was not ok, and why ('' when all were). */
  firstError: string;
  warmError: string;
  controller: { rssMb: number; firstCpuMs: number; warmCpuMs: number };
  /** The workers together: RSS with every gate open, CPU of the first call, CPU per warm call (0s for one controller). */
  workersTotal: { rssMb: number; firstCpuMs: number; warmCpuMs: number };
  /** nats-server's, the same figures (0s for one controller). */
  natsServer: { rssMb: number; firstCpuMs: number; warmCpuMs: number };
  /** The simulated hosts' own processes, for scale. */
  simServersRssMb: number;
  simServers: number;
}

export interface NatsSimOptions {
  sizes: readonly number[];
  warmCalls: number;
  /** Also measure one controller alone on the same settings (default true). */
  direct?: boolean;
  /** Per reply of the simulated hosts (default 1 ± 1 ms, as the sim section of the big bench). */
  latencyMs?: number;
  jitterMs?: number;
  /**
   * Per host per call, seconds, for both setups (default 1800): a worker's share is given up
   * after ceil(hosts / forks) × timeout + 5 s, and a first call on thousands of hosts on a
   * loaded machine can pass ftl's default 300 s; this measures it rather than cut it.
   */
  timeoutS?: number;
  log: (s: string) => void;
  /** Called after each row with the rows so far: a run stopped part-way keeps what it measured. */
  onRow?: (rows: readonly NatsSimRow[]) => void;
}

/** A controller that does not finish within this is a hang, not a figure. */
const CONTROLLER_DEADLINE_MS = 60 * 60_000;

function rowOf(hosts: number, setup: NatsSimSetup, warmCalls: number, p: ControllerFigures, workerPids: readonly number[], serverPid: number | undefined, sim: { rssMb: number; processes: number }): NatsSimRow {
  const of = (pids: readonly number[]): { rssMb: number; firstCpuMs: number; warmCpuMs: number } => {
    const ws = p.watched.filter((w) => pids.includes(w.pid));
    return { rssMb: ws.reduce((s, w) => s + w.openRssMb, 0), firstCpuMs: ws.reduce((s, w) => s + w.firstCpuMs, 0), warmCpuMs: ws.reduce((s, w) => s + w.warmCpuMs, 0) };
  };
  return {
    hosts,
    setup,
    workers: workerPids.length,
    firstMs: p.firstMs,
    warmMedianMs: p.warmMedianMs,
    warmCalls,
    firstOk: p.firstOk,
    warmOk: p.warmOk,
    firstError: p.firstError,
    warmError: p.warmError,
    controller: { rssMb: p.open.rssMb, firstCpuMs: p.firstCpuMs, warmCpuMs: p.warmCpuMs },
    workersTotal: of(workerPids),
    natsServer: of(serverPid === undefined ? [] : [serverPid]),
    simServersRssMb: sim.rssMb,
    simServers: sim.processes,
  };
}

/** One setup on a fresh fleet: the fleet, and for NATS the server and workers, all stopped before it returns. */
async function measure(hosts: number, setup: NatsSimSetup, o: NatsSimOptions): Promise<NatsSimRow> {
  const dir = mkdtempSync(join(tmpdir(), 'ftl-nats-sim-'));
  let server: NatsServer | undefined;
  let workers: FtlWorker[] = [];
  try {
    const fleet = await startSimFleet({ count: hosts, latencyMs: o.latencyMs ?? 1, jitterMs: o.jitterMs ?? 1, dir });
    try {
      if (setup === 'nats workers') {
        server = await startNatsServer();
        // Ready means inventory read and bus joined; gates start with the first call.
        workers = await startFtlWorkers({ url: server.url, inventory: fleet.inventoryPath, count: WORKERS, forks: hosts, readyMs: 10 * 60_000 });
      }
      const watch = [...workers.map((w) => w.pid), ...(server?.child.pid === undefined ? [] : [server.child.pid])];
      const req = { inventory: fleet.inventoryPath, pattern: SIM_GROUP, hosts, warmCalls: o.warmCalls, module: 'ping', args: {}, timeout: o.timeoutS ?? 1800, watch, ...(server === undefined ? {} : { nats: server.url }) };
      let p: ControllerFigures;
      try {
        p = await runController(req, CONTROLLER_DEADLINE_MS);
      } catch (e) {
        // A worker's own words say more than the controller's.
        const said = workers.map((w) => `${w.name}: ${w.stderr().trim().slice(-400)}`).join('; ');
        throw new Error(`${(e as Error).message}${said === '' ? '' : ` · workers: ${said}`}`, { cause: e });
      }
      const s = await fleet.stats();
      return rowOf(hosts, setup, o.warmCalls, p, workers.map((w) => w.pid), server?.child.pid, { rssMb: s.rssMb, processes: s.processes });
    } finally {
      await stopFtlWorkers(workers);
      await server?.stop();
      await fleet.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchNatsSim(o: NatsSimOptions): Promise<NatsSimRow[]> {
  const rows: NatsSimRow[] = [];
  const setups: NatsSimSetup[] = o.direct === false ? ['nats workers'] : ['one controller', 'nats workers'];
  for (const hosts of o.sizes) {
    for (const setup of setups) {
      const r = await measure(hosts, setup, o);
      rows.push(r);
      o.onRow?.(rows);
      o.log(
        `  nats-sim ${String(hosts)} hosts, ${setup}: first call ${(r.firstMs / 1000).toFixed(1)} s, warm ping ${r.warmMedianMs.toFixed(0)} ms, ok ${String(r.firstOk)} + ${String(r.warmOk)} of ${String(hosts)} + ${String(hosts * r.warmCalls)}, controller RSS ${r.controller.rssMb.toFixed(0)} MB${r.workers > 0 ? `, workers RSS ${r.workersTotal.rssMb.toFixed(0)} MB` : ''}${r.firstError === '' ? '' : ` · ${r.firstError}`}${r.warmError === '' ? '' : ` · ${r.warmError}`}`,
      );
    }
  }
  return rows;
}

const n0 = (v: number): string => v.toFixed(0);
const n1 = (v: number): string => v.toFixed(1);

export function natsSimTableMarkdown(rows: readonly NatsSimRow[], o: Pick<NatsSimOptions, 'warmCalls' | 'latencyMs' | 'jitterMs' | 'timeoutS'>, load: { start: string; end: string }): string {
  const cpu = (first: number, warm: number, hosts: number): string => `${n0(first)} / ${n0(warm)} ms (${n1((warm * 1000) / hosts)} µs/host)`;
  const lines = rows.map((r) => {
    const nats = r.workers > 0;
    return `| ${String(r.hosts)} | ${nats ? `${String(r.workers)} ftl workers + nats-server` : 'one controller'} | ${n1(r.firstMs / 1000)} s | ${n0(r.warmMedianMs)} ms | ${String(r.firstOk)}/${String(r.hosts)}, ${String(r.warmOk)}/${String(r.hosts * r.warmCalls)} | ${n0(r.controller.rssMb)} MB | ${cpu(r.controller.firstCpuMs, r.controller.warmCpuMs, r.hosts)} | ${nats ? `${n0(r.workersTotal.rssMb)} MB` : '–'} | ${nats ? cpu(r.workersTotal.firstCpuMs, r.workersTotal.warmCpuMs, r.hosts) : '–'} | ${nats ? `${n0(r.natsServer.rssMb)} MB, ${n0(r.natsServer.warmCpuMs)} ms` : '–'} | ${n0(r.simServersRssMb)} MB (${String(r.simServers)}) |`;
  });
  return [
    '## NATS workers on the simulated fleet',
    '',
    `Generated by \`node --import tsx bench/nats-sim.ts\` (benchNatsSim). For each size and setup, a fresh simulated fleet (bench/sim/fleet.ts, ${String(o.latencyMs ?? 1)} ± ${String(o.jitterMs ?? 1)} ms per reply) and a fresh controller process (bench/sim/controller.mjs on dist/, forks = hosts, timeout ${String(o.timeoutS ?? 1800)} s). One controller: it holds every gate. NATS: a nats-server and ${String(WORKERS)} \`ftl worker --shard K/${String(WORKERS)} -f HOSTS\` processes hold the gates, the controller calls with \`automation({ nats })\`. First call: one \`run('sim', 'ping')\` from a session just opened (through NATS: also finding the workers by heartbeat, and the workers connecting and starting their gates). Warm: the median of ${String(o.warmCalls)} pings after it. ok: hosts ok in the first call, and over all warm calls. RSS: the controller's after a full GC with the gates open; the workers' (summed) and nats-server's from /proc after the first call. CPU: of the first call / per warm call (the controller's own median; the others' mean, from /proc in 10 ms ticks).`,
    '',
    `Load average at the start ${load.start}, at the end ${load.end} (1, 5, 15 min). Everything runs on one machine: the workers, nats-server and the simulated hosts compete with the controller for the same cores, so times are upper bounds and the NATS rows pay for hops without gaining machines.`,
    '',
    '| hosts | setup | first call | warm ping | ok first, warm | controller RSS | controller CPU first / warm | workers RSS | workers CPU first / warm | nats-server RSS, CPU per warm call | sim servers RSS (processes) |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...lines,
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string', default: '100,1000' },
      warm: { type: 'string', default: '10' },
      'no-direct': { type: 'boolean', default: false },
    },
  });
  const sizes = values.sizes.split(',').map(Number);
  if (sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--sizes takes host counts, comma-separated, not '${values.sizes}'`);
  const warmCalls = Number(values.warm);
  if (!Number.isInteger(warmCalls) || warmCalls < 1) throw new Error(`--warm takes a positive number of calls, not '${values.warm}'`);
  const start = loadNow();
  const log = (s: string): void => {
    process.stderr.write(`${s}\n`);
  };
  const rows = await benchNatsSim({ sizes, warmCalls, direct: !values['no-direct'], log });
  console.log(natsSimTableMarkdown(rows, { warmCalls }, { start, end: loadNow() }));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((e: unknown) => {
    console.error(`nats-sim: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
}
