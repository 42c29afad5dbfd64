import { AfterMarker, sudoArgs, watchSudo } from '../gate/become.js';
import type { GateExit, GateTransport } from '../gate/transport.js';
import { shq } from './exec.js';
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
  /** Run the gate as this user through sudo; a password goes to the channel's stdin only. */
  become?: { user: string; password?: string | undefined } | undefined;
}

/** The remote command: the marker, then the gate (the marker from sudo's shell when becoming another user). */
export function gateCommand(opts: SshGateOptions): string {
  const gate = `printf '%s' ${shq(START_MARKER)}; exec ${[opts.python, opts.path].map(shq).join(' ')}`;
  const script = opts.become === undefined ? gate : `exec ${[...sudoArgs(opts.become.user, opts.become.password !== undefined), '/bin/sh', '-c', gate].map(shq).join(' ')}`;
  return `sh -c ${shq(script)}`;
}

/**
 * A gate on a host: an exec channel whose stdin/stdout carry the frames. The channel
 * takes one slot of its connection until it closes.
 */
export async function openSshGate(pool: SshConnectionPool, target: SshTarget, opts: SshGateOptions): Promise<GateTransport> {
  const channel = await pool.exec(target, gateCommand(opts));
  channel.on('error', () => undefined);
  const kill = (): void => {
    try {
      channel.signal('KILL');
    } catch {
      // the channel is gone already
    }
    channel.close();
  };
  const become = opts.become;
  let stdin: GateTransport['stdin'] = channel;
  let stdout: GateTransport['stdout'];
  let failure: GateTransport['failure'];
  if (become === undefined) {
    const after = new AfterMarker(Buffer.from(START_MARKER));
    channel.pipe(after);
    stdout = after;
  } else {
    const sudo = watchSudo({ stdin: channel, stdout: channel, stderr: channel.stderr }, { marker: START_MARKER, host: target.name, user: become.user, password: become.password, kill });
    stdin = sudo.stdin;
    stdout = sudo.stdout;
    failure = () => sudo.failure();
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
    stdin,
    stdout,
    stderr: channel.stderr,
    exited,
    kill,
    label: `ssh ${target.name}${who}`,
    ...(failure === undefined ? {} : { failure }),
  };
}
