import { PassThrough, Transform, type Readable, type TransformCallback } from 'node:stream';
import type { GateExit, GateTransport } from '../gate/transport.js';
import type { ClientChannel } from 'ssh2';
import type { GateBuild } from '../gate/pyz.js';
import { probeScript } from './deploy.js';
import { shq, type RemoteResult } from './exec.js';
import type { SshConnectionPool } from './pool.js';
import type { SshTarget } from './target.js';

/** Printed right before the gate starts: whatever a shell rc file prints comes before it and is dropped. */
const START_MARKER = '@@FTL-GATE-START@@';
const SUDO_PROMPT = '[ftl-sudo-prompt@@]';

export interface SshGateOptions {
  python: string;
  /** The gate's path on the host. */
  path: string;
  /** Run the gate as this user through sudo; a password goes to the channel's stdin only. */
  become?: { user: string; password?: string | undefined } | undefined;
}

/** Passes bytes through once the marker has gone by; drops what came before it. Emits 'marker' when it goes by. */
export class AfterMarker extends Transform {
  private seen = false;
  private held = Buffer.alloc(0);
  constructor(private readonly marker: Buffer) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (this.seen) {
      cb(null, chunk);
      return;
    }
    this.held = Buffer.concat([this.held, chunk]);
    const at = this.held.indexOf(this.marker);
    if (at < 0) {
      // Keep only what could still be the start of the marker.
      this.held = this.held.subarray(Math.max(0, this.held.length - this.marker.length + 1));
      cb();
      return;
    }
    this.seen = true;
    this.emit('marker');
    const rest = this.held.subarray(at + this.marker.length);
    this.held = Buffer.alloc(0);
    cb(null, rest.length > 0 ? rest : undefined);
  }
}

/** The remote command: the marker, then the gate (under sudo when becoming another user). */
export function gateCommand(opts: SshGateOptions): string {
  const run = [opts.python, opts.path];
  const sudo =
    opts.become === undefined
      ? []
      : opts.become.password === undefined
        ? ['sudo', '-n', '-H', '-u', opts.become.user, '--']
        : ['sudo', '-S', '-p', SUDO_PROMPT, '-H', '-u', opts.become.user, '--'];
  const script = `printf '%s' ${shq(START_MARKER)}; exec ${[...sudo, ...run].map(shq).join(' ')}`;
  return `sh -c ${shq(script)}`;
}

/**
 * A gate on a host: an exec channel whose stdin/stdout carry the frames. The channel
 * takes one slot of its connection until it closes.
 */
export async function openSshGate(pool: SshConnectionPool, target: SshTarget, opts: SshGateOptions): Promise<GateTransport> {
  const channel = await pool.exec(target, gateCommand(opts));
  const stdout = new AfterMarker(Buffer.from(START_MARKER));
  channel.pipe(stdout);
  return channelTransport(channel, stdout, target, opts.become);
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
      resolve({ started: channelTransport(channel, stdout, target, undefined, stderr) });
    });
  });
}

/** A running gate's channel as a GateTransport (stdout is the channel after the start marker). */
function channelTransport(channel: ClientChannel, stdout: AfterMarker, target: SshTarget, become: SshGateOptions['become'], stderr: Readable = channel.stderr): GateTransport {
  channel.on('error', () => undefined);
  const password = become?.password;
  if (password !== undefined) {
    // sudo prompts on stderr; answer once. A second prompt means the password was wrong: end it.
    let seen = '';
    let answered = false;
    const onErr = (b: Buffer): void => {
      seen += b.toString('utf8');
      const first = seen.indexOf(SUDO_PROMPT);
      if (first < 0) return;
      if (!answered) {
        answered = true;
        channel.write(`${password}\n`);
      }
      if (seen.indexOf(SUDO_PROMPT, first + SUDO_PROMPT.length) >= 0) {
        channel.stderr.off('data', onErr);
        channel.stderr.emit('data', Buffer.from('\nftl: sudo refused the become password\n'));
        channel.close();
      }
    };
    channel.stderr.on('data', onErr);
  }
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
  const who = become === undefined ? '' : ` (sudo -u ${become.user})`;
  return {
    stdin: channel,
    stdout,
    stderr,
    exited,
    kill: () => {
      try {
        channel.signal('KILL');
      } catch {
        // the channel is gone already
      }
      channel.close();
    },
    label: `ssh ${target.name}${who}`,
  };
}
