import type { ClientChannel } from 'ssh2';
import { deadline } from '../base/deadline.js';
import { GateError } from '../base/errors.js';
import type { StartLimits } from '../gate/transport.js';
import { pidOf } from './deploy.js';
import { collect, type RemoteResult } from './exec.js';
import type { SshConnectionPool } from './pool.js';
import type { SshTarget } from './target.js';

/**
 * What a start or probe script runs on a host, known by the pid its shell printed first
 * (deploy.ts PRINT_PID). sshd starts an exec channel's command as the leader of a new
 * session, and a non-interactive shell keeps what it runs in its own process group, so
 * killing that group ends the interpreter and anything it started, where closing the
 * channel would leave a hung interpreter running for ever.
 */
export class RemoteStart {
  private pid: number | undefined;
  private head = '';
  private closed = false;
  private killed = false;

  constructor(
    private readonly pool: SshConnectionPool,
    private readonly target: SshTarget,
    private readonly channel: ClientChannel,
    /** Kills under way, which the pool's owner waits for before it closes the connections they need. */
    private readonly kills: RemoteKills,
    /** Under sudo the command runs as another user: it is asked to end (sudo passes TERM on) before its group is killed. */
    private readonly become = false,
  ) {
    const onData = (b: Buffer): void => {
      this.head += b.toString('latin1');
      this.pid = pidOf(this.head);
      if (this.pid !== undefined || this.head.length > 64 * 1024) {
        this.head = '';
        channel.off('data', onData);
      }
    };
    channel.on('data', onData);
    channel.once('close', () => {
      this.closed = true;
    });
  }

  /** Kills the script's process group on the host (on a fresh exec channel), then closes its channel. Once. */
  kill(): void {
    if (this.killed) return;
    this.killed = true;
    const pid = this.pid;
    // A channel that closed has nothing left running for us: its pid may belong to someone else by now.
    if (pid !== undefined && !this.closed) this.kills.track(killGroup(this.pool, this.target, pid, this.become));
    try {
      this.channel.signal('KILL');
    } catch {
      // the channel is gone already
    }
    this.channel.close();
  }
}

const KILL_WAIT_MS = 15_000;

/** Kills still running on hosts: closing the connections under them would leave what they kill running. */
export class RemoteKills {
  private readonly pending = new Set<Promise<void>>();

  track(kill: Promise<void>): void {
    this.pending.add(kill);
    void kill.finally(() => this.pending.delete(kill));
  }

  /** Resolves when every kill begun so far has ended (each is bounded). */
  async settled(): Promise<void> {
    await Promise.all([...this.pending]);
  }
}

/**
 * `kill -KILL -PID` (dash takes no `--` there): the group the script's shell leads (sshd's
 * session child is a session leader, and a login shell that ran our `sh -c` with exec left
 * it the leader). Where it leads none, its children and then itself. Errors are of no use
 * to anyone here.
 */
async function killGroup(pool: SshConnectionPool, target: SshTarget, pid: number, become: boolean): Promise<void> {
  const p = String(pid);
  const script = [
    ...(become ? [`kill -TERM ${p} 2>/dev/null && sleep 1`] : []),
    `kill -KILL -${p} 2>/dev/null || { pkill -KILL -P ${p} 2>/dev/null; kill -KILL ${p} 2>/dev/null; }`,
    'true',
  ].join('; ');
  try {
    const channel = await pool.exec(target, `sh -c '${script}'`);
    await deadline<RemoteResult>(
      (s) => {
        collect(channel).then(s.resolve, s.reject);
      },
      {
        ms: KILL_WAIT_MS,
        cleanup: () => {
          channel.close();
        },
      },
    );
  } catch {
    // the host or the connection is gone: so is what ran there
  }
}

/**
 * A script run to its end within the limits: its output, or FTL_GATE_START when it took
 * too long or the start was abandoned, after killing what it started on the host.
 */
export async function runWithin(
  pool: SshConnectionPool,
  kills: RemoteKills,
  target: SshTarget,
  command: string,
  limits: StartLimits | undefined,
  what: string,
  stdin?: Uint8Array,
): Promise<RemoteResult> {
  const signal = limits?.signal;
  if (signal?.aborted === true) throw new GateError('FTL_GATE_START', `${what} was abandoned before it began`, { host: target.name });
  const channel = await pool.exec(target, command);
  const start = new RemoteStart(pool, target, channel, kills);
  const ms = limits?.timeoutMs;
  return deadline<RemoteResult>(
    (s) => {
      collect(channel, stdin).then(s.resolve, s.reject);
    },
    {
      ms,
      signal,
      onTimeout: () => {
        start.kill();
        return new GateError('FTL_GATE_START', `${what} did not finish within ${String((ms ?? 0) / 1000)} s; what it started there was killed`, { host: target.name });
      },
      onAbort: () => {
        start.kill();
        return new GateError('FTL_GATE_START', `${what} was abandoned; what it started there was killed`, { host: target.name });
      },
    },
  );
}
