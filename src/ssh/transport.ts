import { PassThrough, type Readable } from 'node:stream';
import type { ClientChannel } from 'ssh2';
import { deadline } from '../base/deadline.js';
import { GateError } from '../base/errors.js';
import { AfterMarker, becomeArgv, becomeLabel, watchBecome } from '../gate/become.js';
import type { BecomeSpec } from '../base/types.js';
import type { GateBuild } from '../gate/pyz.js';
import type { GateExit, GateTransport, StartLimits } from '../gate/transport.js';
import { checkFunctions, DAMAGED_MARKER, PRINT_PID, probeScript } from './deploy.js';
import { shq } from '../base/shell.js';
import { onceClosed, type RemoteResult } from './exec.js';
import type { SshConnectionPool } from './pool.js';
import { RemoteStart, type RemoteKills } from './remote-start.js';
import type { SshTarget } from './target.js';

export { AfterMarker } from '../gate/become.js';

/**
 * Printed right before the gate starts: whatever a shell rc file prints comes before it
 * and is dropped. Under become it is printed by sudo's shell, so it also says sudo let us in.
 */
const START_MARKER = '@@FTL-GATE-START@@';
/** Made once: a small Buffer.from per gate is a slice that keeps a whole 8 KiB pool slab alive. */
const START_BYTES = Buffer.from(START_MARKER);

export interface SshGateOptions {
  python: string;
  /** The gate's path on the host. */
  path: string;
  /** SHA-256 of the gate's bytes: the file runs only if it still hashes to this. */
  sha256: string;
  /** Run the gate as this user through sudo or su; a password goes to the channel's stdin only. */
  become?: BecomeSpec | undefined;
}

/** The file was there, but its bytes are not the build's: deploy it again and retry. */
export class GateDamaged extends Error {}

/**
 * The remote command: its shell's pid (to kill what it starts, should it hang), then a check
 * of the gate file's bytes, the marker and the gate (the marker from sudo's or su's shell
 * when becoming another user). A file that is not the build's is not run: the command says so
 * on stderr and exits.
 */
export function gateCommand(opts: SshGateOptions): string {
  const gate = [
    `PY=${shq(opts.python)}`,
    ...checkFunctions(opts.sha256),
    `if ftl_ok ${shq(opts.path)}; then printf '%s' ${shq(START_MARKER)}; exec "$PY" ${shq(opts.path)}; fi`,
    `echo ${shq(DAMAGED_MARKER)} >&2`,
    'exit 86',
  ].join('\n');
  const script = opts.become === undefined ? gate : `exec ${becomeArgv(opts.become, '/bin/sh', gate).map(shq).join(' ')}`;
  return `sh -c ${shq(`${PRINT_PID}\n${script}`)}`;
}

/**
 * Waits for the marker (the gate runs: true) or the channel's end (it never will: false),
 * within the limits; `marker` is the AfterMarker that passes the gate's stream on.
 */
function started(channel: ClientChannel, marker: NodeJS.EventEmitter, start: RemoteStart, target: SshTarget, limits: StartLimits | undefined): Promise<boolean> {
  const ms = limits?.timeoutMs;
  const gaveUp = (why: string): GateError => {
    start.kill();
    return new GateError('FTL_GATE_START', `the gate ${why}; what it started there was killed`, { host: target.name });
  };
  let onClose: (() => void) | undefined;
  let onMarker: (() => void) | undefined;
  return deadline<boolean>(
    (s) => {
      onMarker = () => {
        s.resolve(true);
      };
      onClose = () => {
        s.resolve(false);
      };
      marker.once('marker', onMarker);
      channel.once('close', onClose);
    },
    {
      ms,
      signal: limits?.signal,
      onTimeout: () => gaveUp(`did not start within ${String((ms ?? 0) / 1000)} s (the interpreter did not run it)`),
      onAbort: () => gaveUp('was abandoned while it started'),
      cleanup: () => {
        if (onMarker !== undefined) marker.off('marker', onMarker);
        if (onClose !== undefined) channel.off('close', onClose);
      },
    },
  );
}

/**
 * A gate on a host: an exec channel whose stdin/stdout carry the frames. The channel
 * takes one slot of its connection until it closes. Resolves once the gate runs (or its
 * channel has ended, for the session to report why); throws GateDamaged when the file
 * on the host is not the build's.
 */
export async function openSshGate(pool: SshConnectionPool, kills: RemoteKills, target: SshTarget, opts: SshGateOptions, limits?: StartLimits): Promise<GateTransport> {
  const channel = await pool.exec(target, gateCommand(opts));
  const become = opts.become;
  const start = new RemoteStart(pool, target, channel, kills, become !== undefined);
  // stderr waits in a buffer for the client; its first words are kept here too, for a damage report.
  const stderr = new PassThrough();
  channel.stderr.pipe(stderr);
  let said = '';
  const tapErr = (b: Buffer): void => {
    said = (said + b.toString('utf8')).slice(-4000);
  };
  channel.stderr.on('data', tapErr);
  let transport: GateTransport;
  let marker: NodeJS.EventEmitter;
  if (become === undefined) {
    const stdout = new AfterMarker(START_BYTES);
    channel.pipe(stdout);
    marker = stdout;
    transport = channelTransport(channel, target, start, { stdout, stderr });
  } else {
    const kill = (): void => {
      start.kill();
    };
    const watch = watchBecome(
      { stdin: channel, stdout: channel, stderr: channel.stderr },
      { marker: START_MARKER, host: target.name, user: become.user, method: become.method, password: become.password, kill },
    );
    marker = watch.stdout;
    transport = channelTransport(channel, target, start, { stdin: watch.stdin, stdout: watch.stdout, stderr, failure: () => watch.failure(), who: ` (${becomeLabel(become)})` });
  }
  const running = await started(channel, marker, start, target, limits).finally(() => {
    channel.stderr.off('data', tapErr);
  });
  if (!running && said.includes(DAMAGED_MARKER)) throw new GateDamaged(`the gate file ${opts.path} on ${target.name} is not the build's`);
  return transport;
}

/**
 * The gate in one round trip when it is on the host already with the build's bytes (the
 * usual case): a script that starts it if it is there, and otherwise answers as the deploy
 * probe does. Resolves with the running gate, or with the probe's answer once the script
 * has ended. The interpreter's version is not asked here: the gate checks it itself at start.
 */
export async function startGateOrProbe(
  pool: SshConnectionPool,
  kills: RemoteKills,
  target: SshTarget,
  gate: GateBuild,
  remoteDir: string,
  limits?: StartLimits,
): Promise<{ started: GateTransport } | { probe: RemoteResult }> {
  const script = probeScript(gate, { host: target.name, python: target.python, remoteDir }, START_MARKER);
  const channel = await pool.exec(target, `sh -c ${shq(script)}`);
  const start = new RemoteStart(pool, target, channel, kills);
  const stdout = new AfterMarker(START_BYTES);
  // stderr waits in a buffer either way: the probe's words if the script ends, the gate's for its client.
  const stderr = new PassThrough();
  channel.stderr.pipe(stderr);
  const out: Buffer[] = [];
  const keepOut = (b: Buffer): void => {
    out.push(b);
  };
  channel.on('data', keepOut);
  channel.pipe(stdout);
  let code: number | null = null;
  let signal: string | undefined;
  // Before started() listens for 'close' too, so the status is known when it resolves on it.
  onceClosed(channel, (c, sig) => {
    code = c;
    signal = sig;
  });
  const running = await started(channel, stdout, start, target, limits).finally(() => {
    channel.off('data', keepOut);
  });
  if (running) {
    // The gate runs: from here on its bytes belong to the client alone.
    return { started: channelTransport(channel, target, start, { stdout, stderr }) };
  }
  const err = stderr.read() as Buffer | null;
  return { probe: { code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: err?.toString('utf8') ?? '' } };
}

interface ChannelStreams {
  /** Where the client writes: the channel, or the become program's held stdin. */
  stdin?: GateTransport['stdin'];
  /** The channel's output from just after the start marker. */
  stdout: Readable;
  stderr?: Readable;
  failure?: GateTransport['failure'];
  /** Added to the label: ` (sudo -u USER)` or ` (su USER)`. */
  who?: string;
}

/** A running gate's channel as a GateTransport; kill() ends what it runs on the host too. */
function channelTransport(channel: ClientChannel, target: SshTarget, start: RemoteStart, s: ChannelStreams): GateTransport {
  channel.on('error', () => undefined);
  const exited = new Promise<GateExit>((resolve) => {
    onceClosed(channel, (code, signal) => {
      // A connection that dropped reports no exit status.
      resolve({ code, signal: signal ?? (code === null ? 'SIGHUP (the connection was lost)' : null) });
    });
  });
  return {
    stdin: s.stdin ?? channel,
    stdout: s.stdout,
    stderr: s.stderr ?? channel.stderr,
    exited,
    kill: () => {
      start.kill();
    },
    label: `ssh ${target.name}${s.who ?? ''}`,
    ...(s.failure === undefined ? {} : { failure: s.failure }),
  };
}
