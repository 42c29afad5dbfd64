import { Transform, type TransformCallback } from 'node:stream';
import type { GateExit, GateTransport } from '../gate/transport.js';
import { shq } from './exec.js';
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

/** Passes bytes through once the marker has gone by; drops what came before it. */
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
  channel.on('error', () => undefined);
  const password = opts.become?.password;
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
  const who = opts.become === undefined ? '' : ` (sudo -u ${opts.become.user})`;
  return {
    stdin: channel,
    stdout,
    stderr: channel.stderr,
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
