import type { ClientChannel } from 'ssh2';

export interface RemoteResult {
  code: number | null;
  signal: string | undefined;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end: opens the channel, writes stdin (then EOF), collects output. */
export type RemoteRunner = (command: string, stdin?: Uint8Array) => Promise<RemoteResult>;

/**
 * Calls fn once the channel has closed, with the command's exit status: its code, or null and
 * the signal that ended it; null and no signal when none came (the connection dropped).
 *
 * Read from 'close', which ssh2 gives the status it kept, not from an 'exit' listener: a
 * command that ends at once can have its exit-status in the same read as the reply to exec,
 * parsed before the caller of `await exec()` has added any listener (seen under load: a raw
 * `exit 5` reported as rc -1).
 */
export function onceClosed(channel: ClientChannel, fn: (code: number | null, signal: string | undefined) => void): void {
  channel.once('close', (code?: number | null, signal?: string) => {
    fn(typeof code === 'number' ? code : null, typeof signal === 'string' ? signal : undefined);
  });
}

/** Collects a channel's output until it closes. */
export function collect(channel: ClientChannel, stdin?: Uint8Array): Promise<RemoteResult> {
  return new Promise((resolve) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    channel.on('data', (b: Buffer) => out.push(b));
    channel.stderr.on('data', (b: Buffer) => err.push(b));
    onceClosed(channel, (code, signal) => {
      resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
    channel.on('error', () => undefined);
    if (stdin !== undefined) channel.end(Buffer.from(stdin.buffer, stdin.byteOffset, stdin.byteLength));
    else channel.end();
  });
}
