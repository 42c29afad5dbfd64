import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { Duplex } from 'node:stream';

/** What a ProxyCommand's %-tokens stand for (OpenSSH's ssh_config(5): %%, %h, %n, %p, %r). */
export interface ProxyTokens {
  /** %h: the host to reach, after ~/.ssh/config's HostName. */
  readonly host: string;
  /** %n: the host as it was given (ansible_host, or the inventory name). */
  readonly original: string;
  readonly port: number;
  /** %r: the remote user. */
  readonly user: string;
}

/** Expands %-tokens as ssh does; an unknown token is an error, as it is for ssh. */
export function expandProxyCommand(command: string, t: ProxyTokens): string {
  return command.replace(/%(.?)/g, (all, c: string) => {
    switch (c) {
      case '%':
        return '%';
      case 'h':
        return t.host;
      case 'n':
        return t.original;
      case 'p':
        return String(t.port);
      case 'r':
        return t.user;
      default:
        throw new Error(`ProxyCommand '${command}' has ${all === '%' ? 'a lone % at its end' : `the token ${all}`}, which ssh does not expand there (it knows %%, %h, %n, %p and %r)`);
    }
  });
}

/** How much of the command's stderr is kept for an error message. */
const STDERR_KEEP = 2000;

/**
 * A running ProxyCommand: SSH goes over its stdin and stdout (`sock` for ssh2), its
 * stderr is kept for the error message when the connection fails.
 */
export interface ProxyProcess {
  readonly sock: Duplex;
  /** The last lines it wrote on stderr, trimmed. */
  stderr(): string;
  /** Its exit, once it has exited. */
  exit(): { code: number | null; signal: NodeJS.Signals | null } | undefined;
  /** Resolves when it has exited, or after ms. */
  exited(ms: number): Promise<void>;
}

/** A duplex over a child's stdout (read) and stdin (write); destroying it kills the child. */
class ChildStdio extends Duplex {
  constructor(private readonly child: ChildProcessWithoutNullStreams) {
    // The SSH stream ends when either side does: a proxy whose output ended is done.
    super({ allowHalfOpen: false });
    child.stdout.on('data', (b: Buffer) => {
      if (!this.push(b)) child.stdout.pause();
    });
    child.stdout.once('end', () => this.push(null));
    child.stdin.on('error', (e) => this.destroy(e));
    child.once('error', (e) => this.destroy(e));
  }

  override _read(): void {
    this.child.stdout.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    if (this.child.stdin.destroyed) {
      cb(new Error('the ProxyCommand closed its input'));
      return;
    }
    this.child.stdin.write(chunk, cb);
  }

  override _final(cb: (e?: Error | null) => void): void {
    this.child.stdin.end();
    // A proxy that does not stop at the end of its input (nc without -q) is stopped.
    setTimeout(() => {
      this.stop();
    }, 2000).unref();
    cb();
  }

  override _destroy(e: Error | null, cb: (e?: Error | null) => void): void {
    this.stop();
    cb(e);
  }

  private stop(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
  }
}

/**
 * Starts the (expanded) command as ssh does: through `sh -c`, with `exec` so that the
 * command itself is the child killed when the connection ends.
 */
export function spawnProxyCommand(command: string): ProxyProcess {
  const child = spawn('/bin/sh', ['-c', `exec ${command}`], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => {
    stderr = (stderr + b.toString('utf8')).slice(-STDERR_KEEP);
  });
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const done = new Promise<void>((resolve) => {
    child.once('close', (code, signal) => {
      exit = { code, signal };
      resolve();
    });
    child.once('error', () => {
      resolve();
    });
  });
  return {
    sock: new ChildStdio(child),
    stderr: () => stderr.trim().split('\n').slice(-3).join(' | '),
    exit: () => exit,
    exited: (ms) =>
      Promise.race([
        done,
        new Promise<void>((r) => {
          setTimeout(r, ms).unref();
        }),
      ]),
  };
}
