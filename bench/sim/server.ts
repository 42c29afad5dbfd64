/**
 * One shard of the simulated fleet, in a process of its own (so the controller's memory
 * and CPU are measured apart from it): N SSH endpoints, each its own loopback address
 * (127.S.x.y, see simAddress) on one shared port, one listening socket per address, all
 * handed to one ssh2 Server. Each endpoint answers what ftl runs over SSH
 * (the probe, the upload, the gate start, kills) plausibly, and then the gate protocol from
 * a fake gate in this process, with a configurable latency and failure rate. A command or
 * shell call of `sleep N` (N up to 60 s) is answered N seconds late, so tests can catch a
 * call in flight (and cancel it, or kill the controller that made it).
 *
 * Started by fleet.ts with one JSON argument (ServerConfig); says {ready} on IPC once every
 * port listens, answers {stats} requests, and ends on {stop} or when its parent goes.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import ssh2 from 'ssh2';
import type { Connection, ServerChannel } from 'ssh2';
import { encodeFrame, FrameDecoder, type GateMessage } from '../../src/gate/codec.js';
import { PER_NET, simAddress } from './address.js';

export interface ServerConfig {
  /** The port every endpoint listens on. */
  port: number;
  /** Second octet of the endpoints' addresses. */
  octet: number;
  count: number;
  /** Index of this shard's first host in the whole fleet (for names in outputs). */
  firstHost: number;
  hostKeyPath: string;
  /** The one client key the endpoints accept (OpenSSH public key line). */
  clientPubPath: string;
  latencyMs: number;
  jitterMs: number;
  /** Share of module calls answered as failed (0..1). */
  failRate: number;
  /** Whether the gate is already on every host (else the first probe says missing and an upload follows). */
  deployed: boolean;
}

export interface ShardStats {
  connections: number;
  openConnections: number;
  execs: number;
  gates: number;
  openGates: number;
  uploads: number;
  requests: number;
  failures: number;
  rssMb: number;
  cpuMs: number;
}

const PID_BASE = 100_000;
function indexOf(address: string | undefined): number {
  const parts = (address ?? '').replace(/^::ffff:/, '').split('.').map(Number);
  return (parts[2] ?? 0) * PER_NET + (parts[3] ?? 1) - 1;
}
const START_MARKER = '@@FTL-GATE-START@@';
const PROBE_BEGIN = '@@FTL-PROBE-BEGIN@@';
const PROBE_END = '@@FTL-PROBE-END@@';
const NATIVE = ['ping', 'command', 'shell', 'stat', 'slurp', 'file', 'copy', 'facts'];

const cfg = JSON.parse(process.argv[2] ?? '{}') as ServerConfig;
const clientKey = ssh2.utils.parseKey(readFileSync(cfg.clientPubPath, 'utf8'));
if (clientKey instanceof Error) throw clientKey;
const clientBlob = clientKey.getPublicSSH();

const stats: ShardStats = { connections: 0, openConnections: 0, execs: 0, gates: 0, openGates: 0, uploads: 0, requests: 0, failures: 0, rssMb: 0, cpuMs: 0 };
/** Endpoints that have the gate file (all of them when deployed). */
const hasGate = new Uint8Array(cfg.count).fill(cfg.deployed ? 1 : 0);

function delay(): number {
  return Math.max(0, cfg.latencyMs + (cfg.jitterMs > 0 ? (Math.random() * 2 - 1) * cfg.jitterMs : 0));
}

function hostName(i: number): string {
  return `sim-${String(cfg.firstHost + i).padStart(5, '0')}`;
}

function probeAnswer(index: number): string {
  return [
    PROBE_BEGIN,
    'home=/home/sim',
    'dir=/home/sim/.ftl',
    'python=/usr/bin/python3',
    'version=3.11.2',
    'syspython=/usr/bin/python3',
    `gate=${hasGate[index] === 1 ? 'present' : 'missing'}`,
    PROBE_END,
    '',
  ].join('\n');
}

function moduleResult(index: number, name: string, args: Record<string, unknown>): Record<string, unknown> {
  switch (name) {
    case 'ping':
      return { ping: typeof args.data === 'string' ? args.data : 'pong', changed: false };
    case 'command':
    case 'shell': {
      const cmd = typeof args.cmd === 'string' ? args.cmd : typeof args._raw_params === 'string' ? args._raw_params : '';
      return { changed: true, rc: 0, cmd, stdout: `${hostName(index)}: ${cmd}`, stderr: '', msg: '' };
    }
    default:
      return { changed: false };
  }
}

/** The longest `sleep N` honoured: enough to catch a call in flight, never a hang. */
const MAX_SLEEP_MS = 60_000;

/** How long a command or shell call of `sleep N` takes on a real host: N seconds (0 for anything else). */
function sleepMs(name: string, args: Record<string, unknown>): number {
  if (name !== 'command' && name !== 'shell') return 0;
  const cmd = typeof args.cmd === 'string' ? args.cmd : typeof args._raw_params === 'string' ? args._raw_params : Array.isArray(args.argv) ? args.argv.map(String).join(' ') : '';
  const n = /^\s*sleep\s+(\d+(?:\.\d+)?)\s*$/.exec(cmd)?.[1];
  return n === undefined ? 0 : Math.min(MAX_SLEEP_MS, Number(n) * 1000);
}

/** A fake gate on one exec channel: frames in, frames out, replies after the configured latency. */
function fakeGate(channel: ServerChannel, index: number, gateHash: string): void {
  stats.gates++;
  stats.openGates++;
  const decoder = new FrameDecoder();
  const pending = new Map<number, NodeJS.Timeout>();
  const seen = new Set<string>();
  let done = false;
  const send = (type: string, data: unknown, id?: number): void => {
    if (!done) channel.write(encodeFrame(type, data, id));
  };
  const end = (code: number): void => {
    if (done) return;
    done = true;
    stats.openGates--;
    for (const t of pending.values()) clearTimeout(t);
    pending.clear();
    try {
      channel.exit(code);
    } catch {
      // the channel is gone already
    }
    channel.end();
  };
  const later = (id: number | undefined, fn: () => void, extraMs = 0): void => {
    if (id === undefined) {
      fn();
      return;
    }
    const t = setTimeout(() => {
      pending.delete(id);
      fn();
    }, delay() + extraMs);
    pending.set(id, t);
  };
  const onMessage = (m: GateMessage): void => {
    if (process.env.SIM_TRACE === "1") process.stderr.write(`${Date.now() % 100000} msg ${m.type} ${String(m.id)}\n`);
    const data = (m.data !== null && typeof m.data === 'object' ? m.data : {}) as Record<string, unknown>;
    switch (m.type) {
      case 'Hello':
        send('Hello', { capabilities: ['multiplex', 'cancel'], gate_hash: gateHash, pid: PID_BASE + index, python_version: '3.11.2', simulated: true }, m.id);
        return;
      case 'Shutdown':
        send('Goodbye', {}, m.id);
        end(0);
        return;
      case 'Cancel': {
        const target = typeof data.id === 'number' ? data.id : -1;
        const t = pending.get(target);
        if (t !== undefined) {
          clearTimeout(t);
          pending.delete(target);
          send('Error', { message: 'cancelled', cancelled: true }, target);
        }
        send('Cancelled', { id: target, found: t !== undefined }, m.id);
        return;
      }
      case 'Info':
        send('InfoResult', { python_version: '3.11.2', python_executable: '/usr/bin/python3', platform: 'linux', pid: PID_BASE + index, cwd: '/home/sim', simulated: true }, m.id);
        return;
      case 'ListModules':
        send('ListModulesResult', { modules: NATIVE.map((name) => ({ name, type: 'native' })) }, m.id);
        return;
      case 'FTLModule':
      case 'Module': {
        stats.requests++;
        const name = typeof data.module_name === 'string' ? data.module_name : '';
        const args = (data.module_args !== null && typeof data.module_args === 'object' ? data.module_args : {}) as Record<string, unknown>;
        if (m.type === 'Module') {
          // Module source comes once per gate; later calls send only the name.
          if (typeof data.module === 'string') seen.add(name);
          else if (!seen.has(name)) {
            send('ModuleNotFound', { message: `Module not found: ${name}` }, m.id);
            return;
          }
        }
        later(m.id, () => {
          const failed = cfg.failRate > 0 && Math.random() < cfg.failRate;
          if (failed) stats.failures++;
          const result = failed ? { failed: true, changed: false, msg: `simulated failure on ${hostName(index)}` } : moduleResult(index, name, args);
          if (m.type === 'FTLModule') send('FTLModuleResult', { result }, m.id);
          else send('ModuleResult', result, m.id);
        }, sleepMs(name, args));
        return;
      }
      default:
        send('Error', { message: `Unknown message type: ${m.type}` }, m.id);
    }
  };
  channel.on('data', (chunk: Buffer) => {
    let messages: GateMessage[];
    try {
      messages = decoder.push(chunk);
    } catch (e) {
      send('Error', { message: `protocol error: ${(e as Error).message}`, fatal: true });
      end(2);
      return;
    }
    for (const m of messages) onMessage(m);
  });
  // End of stdin: the gate exits, as the real one does.
  channel.on('end', () => {
    end(0);
  });
  channel.on('close', () => {
    end(0);
  });
}

/** Answers one exec request by what the command is: ftl's scripts are known by their markers. */
function onExec(channel: ServerChannel, index: number, command: string): void {
  if (process.env.SIM_TRACE === "1") process.stderr.write(`${Date.now() % 100000} exec ${command.slice(0, 300)}\n`);
  stats.execs++;
  const pid = `@@FTL-PID=${String(PID_BASE + index)}@@\n`;
  const finish = (code: number, out = ''): void => {
    setTimeout(() => {
      if (out !== '') channel.write(out);
      channel.exit(code);
      channel.end();
    }, delay());
  };
  const hash = /gate-([0-9a-f]+)\.pyz/.exec(command)?.[1] ?? 'simulated';
  if (command.includes(START_MARKER) && command.includes('exec "$PY"')) {
    // The start-or-probe script, or the plain start: the gate runs when the file is there.
    if (hasGate[index] === 1) {
      setTimeout(() => {
        channel.write(pid + START_MARKER);
        fakeGate(channel, index, hash);
      }, delay());
      return;
    }
    if (command.includes(PROBE_BEGIN)) finish(0, pid + probeAnswer(index));
    else {
      channel.stderr.write('@@FTL-GATE-DAMAGED@@\n');
      finish(86, pid);
    }
    return;
  }
  if (command.includes(PROBE_BEGIN) && command.includes('cat > "$T"')) {
    // Never both; guard against a script change that would make the next branch lie.
    finish(1, pid);
    return;
  }
  if (command.includes(PROBE_BEGIN)) {
    finish(0, pid + probeAnswer(index));
    return;
  }
  if (command.includes('cat > "$T"')) {
    // The upload: take stdin to its end, then the file is there.
    channel.on('data', () => undefined);
    channel.once('end', () => {
      stats.uploads++;
      hasGate[index] = 1;
      finish(0, pid);
    });
    return;
  }
  // A kill, or anything else: nothing runs here, so it succeeds at once.
  finish(0, pid);
}

const hostKey = readFileSync(cfg.hostKeyPath);
const ssh = new ssh2.Server({ hostKeys: [hostKey] }, (client: Connection) => {
  stats.connections++;
  stats.openConnections++;
  const index = indexOf((client as unknown as { _sock?: Socket })._sock?.localAddress) - cfg.firstHost;
  client.on('authentication', (ctx) => {
    if (ctx.method !== 'publickey' || ctx.key.algo !== clientKey.type || !ctx.key.data.equals(clientBlob)) {
      ctx.reject(['publickey']);
      return;
    }
    // The first ask is whether the key would do; the second carries the signature.
    if (ctx.signature === undefined) {
      ctx.accept();
      return;
    }
    if (clientKey.verify(ctx.blob ?? Buffer.alloc(0), ctx.signature, ctx.hashAlgo)) ctx.accept();
    else ctx.reject(['publickey']);
  });
  client.on('ready', () => {
    client.on('session', (accept) => {
      const session = accept();
      session.on('exec', (acc, _rej, info) => {
        onExec(acc(), index, info.command);
      });
    });
  });
  client.on('error', () => undefined);
  client.on('close', () => {
    stats.openConnections--;
  });
});

const listeners: NetServer[] = [];

async function listenAll(): Promise<void> {
  const one = (i: number): Promise<void> =>
    new Promise((resolve, reject) => {
      const srv = createServer((sock) => {
        ssh.injectSocket(sock);
      });
      srv.once('error', reject);
      srv.listen({ host: simAddress(cfg.octet, cfg.firstHost + i), port: cfg.port, backlog: 64 }, () => {
        srv.off('error', reject);
        resolve();
      });
      listeners.push(srv);
    });
  // A few hundred at a time: thousands of listen() calls at once gain nothing.
  for (let i = 0; i < cfg.count; i += 500) {
    await Promise.all(Array.from({ length: Math.min(500, cfg.count - i) }, (_, k) => one(i + k)));
  }
}

function currentStats(): ShardStats {
  const cpu = process.cpuUsage();
  return { ...stats, rssMb: process.memoryUsage().rss / 2 ** 20, cpuMs: (cpu.user + cpu.system) / 1000 };
}

process.on('message', (m: { op: string; id?: number }) => {
  if (m.op === 'stats') process.send?.({ op: 'stats', id: m.id, stats: currentStats() });
  if (m.op === 'stop') process.exit(0);
});
// The parent went: so does the fleet.
process.on('disconnect', () => process.exit(0));

listenAll().then(
  () => process.send?.({ op: 'ready' }),
  (e: unknown) => {
    process.send?.({ op: 'failed', message: e instanceof Error ? e.message : String(e) });
    process.exit(1);
  },
);
