/**
 * A simulated fleet for scale work: N SSH endpoints on loopback addresses 127.S.x.y, all on
 * one port (as real hosts share port 22, so ~/.ssh/config is looked up once, not per host),
 * served by child processes (server.ts, at most `perProcess` endpoints each, so no process
 * runs past its file limit and the controller's memory is measured apart), and an
 * inventory that reaches them with host keys checked against a generated known_hosts.
 *
 *   const fleet = await startSimFleet({ count: 1000, latencyMs: 2, dir });
 *   ftl = await automation({ inventory: fleet.inventoryPath });  // group `sim`
 *   ...
 *   await fleet.stop();
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { simAddress } from './address.js';
import { ed25519KeyPair } from './keypair.js';
import type { ServerConfig, ShardStats } from './server.js';

/** The group every simulated inventory puts its hosts in. */
export const SIM_GROUP = 'sim';

export interface SimFleetOptions {
  count: number;
  /** Added to every reply of a module call and of every exec (default 0). */
  latencyMs?: number;
  /** Uniform jitter, ± this many ms (default 0). */
  jitterMs?: number;
  /** Share of module calls answered as failed, 0..1 (default 0). */
  failRate?: number;
  /** The endpoints' port (default: one found free in 20000..32767, below Linux's ephemeral range). */
  port?: number;
  /** Second octet of the endpoints' addresses, 2..254 (default: one found free). */
  octet?: number;
  /** Where keys, known_hosts and the inventory go. */
  dir: string;
  /** Endpoints per server process (default 4000: a listener and a connection each, under a 20,000-file limit with room). */
  perProcess?: number;
  /** Whether every host has the gate already (default true); false: the first probe finds none and ftl uploads it. */
  deployed?: boolean;
}

export interface SimFleetStats extends ShardStats {
  /** Server processes. */
  processes: number;
}

export interface SimFleet {
  readonly inventoryPath: string;
  readonly hosts: string[];
  /** The server processes' pids (to weigh them, or to see that none is left). */
  readonly pids: number[];
  stats(): Promise<SimFleetStats>;
  stop(): Promise<void>;
}

const SERVER = fileURLToPath(new URL('./server.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Ports 20000..32767: below Linux's ephemeral range, where outgoing connections take theirs. */
const FREE_LOW = 20_000;
const FREE_HIGH = 32_768;
/** 10,000 hosts take 40 /24s of the /16. */
const MAX_HOSTS = 250 * 256;

class PortsTaken extends Error {}

export function simHostName(i: number): string {
  return `sim-${String(i).padStart(5, '0')}`;
}

interface Shard {
  child: ChildProcess;
  exited: Promise<void>;
}

function startShard(cfg: ServerConfig): Promise<Shard> {
  // A raised soft file limit where the hard one allows; node itself cannot set it.
  const node = [process.execPath, '--import', 'tsx', SERVER, JSON.stringify(cfg)].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const child = spawn('/bin/sh', ['-c', `ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec ${node}`], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', process.env.SIM_TRACE === '1' ? 'inherit' : 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => {
    stderr = (stderr + b.toString('utf8')).slice(-2000);
  });
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      resolve();
    });
  });
  return new Promise<Shard>((resolve, reject) => {
    const onExit = (code: number | null): void => {
      reject(new Error(`the simulated fleet's server (${simAddress(cfg.octet, cfg.firstHost)}.. port ${String(cfg.port)}) exited with ${String(code)} before it listened: ${stderr.trim() || 'no output'}`));
    };
    child.once('exit', onExit);
    child.on('message', (m: { op: string; message?: string }) => {
      if (m.op === 'ready') {
        child.off('exit', onExit);
        resolve({ child, exited });
      } else if (m.op === 'failed') {
        const why = `the simulated fleet's server cannot listen on ${simAddress(cfg.octet, cfg.firstHost)}..${simAddress(cfg.octet, cfg.firstHost + cfg.count - 1)} port ${String(cfg.port)}: ${m.message ?? ''}; pick another port or octet`;
        reject(m.message?.includes('EADDRINUSE') === true ? new PortsTaken(why) : new Error(why));
      }
    });
  });
}

let statsId = 0;

function askStats(shard: Shard): Promise<ShardStats> {
  const id = ++statsId;
  return new Promise<ShardStats>((resolve, reject) => {
    const onMessage = (m: { op: string; id?: number; stats?: ShardStats }): void => {
      if (m.op === 'stats' && m.id === id && m.stats !== undefined) {
        shard.child.off('message', onMessage);
        resolve(m.stats);
      }
    };
    shard.child.on('message', onMessage);
    if (shard.child.connected) shard.child.send({ op: 'stats', id });
    else reject(new Error('the simulated fleet has stopped'));
  });
}

export async function startSimFleet(opts: SimFleetOptions): Promise<SimFleet> {
  const count = opts.count;
  if (!Number.isInteger(count) || count < 1 || count > MAX_HOSTS) throw new Error(`a simulated fleet holds 1 to ${String(MAX_HOSTS)} hosts, not ${String(count)}`);
  mkdirSync(opts.dir, { recursive: true });
  const hostKey = ed25519KeyPair();
  const clientKey = ed25519KeyPair();
  const hostKeyPath = join(opts.dir, 'sim_host_ed25519');
  const keyPath = join(opts.dir, 'sim_client_ed25519');
  const clientPubPath = `${keyPath}.pub`;
  writeFileSync(hostKeyPath, hostKey.private, { mode: 0o600 });
  writeFileSync(keyPath, clientKey.private, { mode: 0o600 });
  writeFileSync(clientPubPath, `${clientKey.public}\n`);

  const hosts = Array.from({ length: count }, (_, i) => simHostName(i));
  const knownHosts = join(opts.dir, 'known_hosts');
  const inventoryPath = join(opts.dir, `inventory-${String(count)}.yml`);
  const keys = { hostKeyPath, clientPubPath, keyPath, hostPublic: hostKey.public };
  // Unless given, a free port and octet are found: other fleets (and other tests) may hold some.
  const tries = opts.port === undefined || opts.octet === undefined ? 6 : 1;
  for (let attempt = 1; ; attempt++) {
    const at = { port: opts.port ?? FREE_LOW + Math.floor(Math.random() * (FREE_HIGH - FREE_LOW)), octet: opts.octet ?? 100 + Math.floor(Math.random() * 150) };
    writeFiles(hosts, at, keys, knownHosts, inventoryPath);
    try {
      const shards = await startShards(opts, at, keys);
      return fleetOf(inventoryPath, hosts, shards);
    } catch (e) {
      if (attempt >= tries || !(e instanceof PortsTaken)) throw e;
    }
  }
}

interface Keys {
  hostKeyPath: string;
  clientPubPath: string;
  keyPath: string;
  hostPublic: string;
}

interface Where {
  port: number;
  octet: number;
}

function writeFiles(hosts: string[], at: Where, keys: Keys, knownHosts: string, inventoryPath: string): void {
  // Every endpoint shows the same host key; each is recorded by its own name, as ssh would.
  writeFileSync(knownHosts, hosts.map((_, i) => `[${simAddress(at.octet, i)}]:${String(at.port)} ${keys.hostPublic}\n`).join(''));
  const inventory: Record<string, Record<string, unknown>> = {};
  hosts.forEach((h, i) => {
    inventory[h] = { ansible_host: simAddress(at.octet, i) };
  });
  writeFileSync(
    inventoryPath,
    stringify(
      {
        [SIM_GROUP]: {
          hosts: inventory,
          vars: {
            ansible_port: at.port,
            ansible_user: 'sim',
            ansible_ssh_private_key_file: keys.keyPath,
            ansible_ssh_common_args: `-o UserKnownHostsFile=${knownHosts} -o StrictHostKeyChecking=yes`,
            ansible_python_interpreter: '/usr/bin/python3',
          },
        },
      },
      { lineWidth: 0 },
    ),
  );
}

async function stopShards(shards: readonly Shard[]): Promise<void> {
  for (const s of shards) {
    if (s.child.connected) s.child.send({ op: 'stop' });
    else s.child.kill('SIGKILL');
  }
  const late = setTimeout(() => {
    for (const s of shards) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
  }, 5000);
  await Promise.all(shards.map((s) => s.exited));
  clearTimeout(late);
}

async function startShards(opts: SimFleetOptions, at: Where, keys: Keys): Promise<Shard[]> {
  const perProcess = opts.perProcess ?? 4000;
  const configs: ServerConfig[] = [];
  for (let first = 0; first < opts.count; first += perProcess) {
    configs.push({
      port: at.port,
      octet: at.octet,
      count: Math.min(perProcess, opts.count - first),
      firstHost: first,
      hostKeyPath: keys.hostKeyPath,
      clientPubPath: keys.clientPubPath,
      latencyMs: opts.latencyMs ?? 0,
      jitterMs: opts.jitterMs ?? 0,
      failRate: opts.failRate ?? 0,
      deployed: opts.deployed ?? true,
    });
  }
  const started = await Promise.allSettled(configs.map((c) => startShard(c)));
  const shards = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) {
    await stopShards(shards);
    throw failed.reason;
  }
  return shards;
}

function fleetOf(inventoryPath: string, hosts: string[], shards: Shard[]): SimFleet {
  return {
    inventoryPath,
    hosts,
    pids: shards.flatMap((s) => (s.child.pid === undefined ? [] : [s.child.pid])),
    stats: async () => {
      const all = await Promise.all(shards.map(askStats));
      const sum: SimFleetStats = { processes: shards.length, connections: 0, openConnections: 0, execs: 0, gates: 0, openGates: 0, uploads: 0, requests: 0, failures: 0, rssMb: 0, cpuMs: 0 };
      for (const s of all) {
        for (const k of Object.keys(s) as (keyof ShardStats)[]) sum[k] += s[k];
      }
      return sum;
    },
    stop: () => stopShards(shards),
  };
}
