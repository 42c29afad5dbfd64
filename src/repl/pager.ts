import { spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';

/**
 * Text longer than the screen goes through $PAGER (else `less -R`, which keeps colours)
 * while the REPL lets go of the keyboard; shorter text, or no terminal, is printed.
 */
export async function page(
  text: string,
  io: { out: Writable & { isTTY?: boolean; rows?: number }; input: Readable & { isTTY?: boolean; setRawMode?: (on: boolean) => unknown }; pause: () => void; resume: () => void },
): Promise<void> {
  const body = text.endsWith('\n') ? text : `${text}\n`;
  const rows = io.out.rows ?? 24;
  const lines = body.split('\n').length - 1;
  if (io.out.isTTY !== true || io.input.isTTY !== true || lines < rows - 1) {
    io.out.write(body);
    return;
  }
  const pager = process.env.PAGER !== undefined && process.env.PAGER.trim() !== '' ? process.env.PAGER : 'less -R';
  io.pause();
  io.input.setRawMode?.(false);
  // Ctrl-C in the pager reaches the whole process group: it is the pager's, not a reason to end the session.
  const ignore = (): void => undefined;
  process.on('SIGINT', ignore);
  try {
    await new Promise<void>((resolve) => {
      const child = spawn(pager, { shell: true, stdio: ['pipe', 'inherit', 'inherit'] });
      child.on('error', () => {
        io.out.write(body);
        resolve();
      });
      child.on('close', () => {
        resolve();
      });
      // A pager quit before the end closes its stdin: that is no error.
      child.stdin.on('error', () => undefined);
      child.stdin.end(body);
    });
  } finally {
    process.removeListener('SIGINT', ignore);
    io.input.setRawMode?.(true);
    io.resume();
  }
}
