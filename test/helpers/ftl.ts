import { spawn } from 'node:child_process';
import { join } from 'node:path';

export const FTL_BIN = join(import.meta.dirname, '..', '..', 'bin', 'ftl.js');

export interface FtlRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `ftl` as a user would, with optional stdin. */
export function ftl(args: readonly string[], opts: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string } = {}): Promise<FtlRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [FTL_BIN, ...args], { env: { ...process.env, NO_COLOR: '1', ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'], ...(opts.cwd === undefined ? {} : { cwd: opts.cwd }) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`ftl ${args.join(' ')} did not finish in time; stdout: ${stdout}; stderr: ${stderr}`));
    }, opts.timeoutMs ?? 120_000);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}

export function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((l) => l.trim().startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
