import type { ClientChannel } from 'ssh2';

export interface RemoteResult {
  code: number | null;
  signal: string | undefined;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end: opens the channel, writes stdin (then EOF), collects output. */
export type RemoteRunner = (command: string, stdin?: Uint8Array) => Promise<RemoteResult>;

/** Collects a channel's output until it closes. */
export function collect(channel: ClientChannel, stdin?: Uint8Array): Promise<RemoteResult> {
  return new Promise((resolve) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let code: number | null = null;
    let signal: string | undefined;
    channel.on('data', (b: Buffer) => out.push(b));
    channel.stderr.on('data', (b: Buffer) => err.push(b));
    channel.on('exit', (c: number | null, sig?: string) => {
      code = c;
      signal = sig;
    });
    channel.once('close', () => {
      resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
    channel.on('error', () => undefined);
    if (stdin !== undefined) channel.end(Buffer.from(stdin.buffer, stdin.byteOffset, stdin.byteLength));
    else channel.end();
  });
}
