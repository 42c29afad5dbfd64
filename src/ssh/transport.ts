import { PassThrough, type Readable } from 'node:stream';
import type { ClientChannel } from 'ssh2';
import { AfterMarker, becomeArgv, becomeLabel, watchBecome } from '../gate/become.js';
import type { BecomeSpec } from '../base/types.js';
import type { GateBuild } from '../gate/pyz.js';
import type { GateExit, GateTransport } from '../gate/transport.js';
import { probeScript } from './deploy.js';
import { shq } from '../base/shell.js';
import type { RemoteResult } from './exec.js';
import type { SshConnectionPool } from './pool.js';
import type { SshTarget } from './target.js';

export { AfterMarker } from '../gate/become.js';

/**
 * Printed right before the gate starts: whatever a shell rc file prints comes before it
 * and is dropped. Under become it is printed by sudo's shell, so it also says sudo let us in.
 */
const START_MARKER = '@@FTL-GATE-START@@';

export interface SshGateOptions {
  python: string;
  /** The gate's path on the host. */
  path: string;
  /** Run the gate as this user through sudo or su; a password goes to the channel's stdin only. */
  become?: BecomeSpec | undefined;
}

/** The remote command: the marker, then the gate (the marker from sudo's or su's shell when becoming another user). */
export function gateCommand(opts: SshGateOptions): string {
  const gate = `printf '%s' ${shq(START_MARKER)}; exec ${[opts.python, opts.path].map(shq).join(' ')}`;
  const script = opts.become === undefined ? gate : `exec ${becomeArgv(opts.become, '/bin/sh', gate).map(shq).join(' ')}`;
  return `sh -c ${shq(script)}`;
}

/**
 * A gate on a host: an exec channel whose stdin/stdout carry the frames. The channel
 * takes one slot of its connection until it closes.
 */
export async function openSshGate(pool: SshConnectionPool, target: SshTarget, opts: SshGateOptions): Promise<GateTransport> {
  const channel = await pool.exec(target, gateCommand(opts));
  const become = opts.become;
  if (become === undefined) {
    const after = new AfterMarker(Buffer.from(START_MARKER));
    channel.pipe(after);
    return channelTransport(channel, target, { stdout: after });
  }
  const kill = (): void => {
    killChannel(channel);
  };
  const watch = watchBecome(
    { stdin: channel, stdout: channel, stderr: channel.stderr },
    { marker: START_MARKER, host: target.name, user: become.user, method: become.method, password: become.password, kill },
  );
  return channelTransport(channel, target, { stdin: watch.stdin, stdout: watch.stdout, failure: () => watch.failure(), who: ` (${becomeLabel(become)})` });
}

/**
 * The gate in one round trip when it is on the host already (the usual case): a script
 * that starts it if it is there, and otherwise answers as the deploy probe does. Resolves
 * with the running gate, or with the probe's answer once the script has ended.
 * The interpreter's version is not asked here: the gate checks it itself at start.
 */
export async function startGateOrProbe(pool: SshConnectionPool, target: SshTarget, gate: GateBuild, remoteDir: string): Promise<{ started: GateTransport } | { probe: RemoteResult }> {
  const script = probeScript(gate, { host: target.name, python: target.python, remoteDir }, START_MARKER);
  const channel = await pool.exec(target, `sh -c ${shq(script)}`);
  const stdout = new AfterMarker(Buffer.from(START_MARKER));
  // stderr waits in a buffer either way: the probe's words if the script ends, the gate's for its session.
  const stderr = new PassThrough();
  channel.stderr.pipe(stderr);
  const out: Buffer[] = [];
  const keepOut = (b: Buffer): void => {
    out.push(b);
  };
  channel.on('data', keepOut);
  channel.pipe(stdout);
  return new Promise((resolve) => {
    let code: number | null = null;
    let signal: string | undefined;
    const onExit = (c: number | null, sig?: string): void => {
      code = c;
      signal = sig;
    };
    const onClose = (): void => {
      const err = stderr.read() as Buffer | null;
      resolve({ probe: { code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: err?.toString('utf8') ?? '' } });
    };
    channel.on('exit', onExit);
    channel.once('close', onClose);
    stdout.once('marker', () => {
      // The gate runs: from here on its bytes belong to the session alone.
      channel.off('data', keepOut);
      channel.off('exit', onExit);
      channel.off('close', onClose);
      out.length = 0;
      resolve({ started: channelTransport(channel, target, { stdout, stderr }) });
    });
  });
}

function killChannel(channel: ClientChannel): void {
  try {
    channel.signal('KILL');
  } catch {
    // the channel is gone already
  }
  channel.close();
}

interface ChannelStreams {
  /** Where the session writes: the channel, or the become program's held stdin. */
  stdin?: GateTransport['stdin'];
  /** The channel's output from just after the start marker. */
  stdout: Readable;
  stderr?: Readable;
  failure?: GateTransport['failure'];
  /** Added to the label: ` (sudo -u USER)` or ` (su USER)`. */
  who?: string;
}

/** A running gate's channel as a GateTransport. */
function channelTransport(channel: ClientChannel, target: SshTarget, s: ChannelStreams): GateTransport {
  channel.on('error', () => undefined);
  const exited = new Promise<GateExit>((resolve) => {
    let code: number | null = null;
    let signal: string | null = null;
    channel.on('exit', (c: number | null, sig?: string) => {
      code = c;
      signal = sig ?? null;
    });
    channel.once('close', () => {
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
      killChannel(channel);
    },
    label: `ssh ${target.name}${s.who ?? ''}`,
    ...(s.failure === undefined ? {} : { failure: s.failure }),
  };
}
