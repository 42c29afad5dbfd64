import { FtlError } from '../base/errors.js';
import type { DiscoveryReply, DiscoveryStep } from './ansible-project.js';

/** The values of ansible_python_interpreter / interpreter_python that ask for Ansible's discovery. */
export const DISCOVERY_MODES: ReadonlySet<string> = new Set(['auto', 'auto_silent', 'auto_legacy', 'auto_legacy_silent']);

/** Ansible's bootstrap probe and platform script take two commands; more is a worker out of step. */
const MAX_STEPS = 4;

export interface DiscoveryIo {
  readonly host: string;
  readonly mode: string;
  /** Ansible's next step, given the host's answers so far (the worker's DiscoverInterpreter). */
  ask(replies: readonly DiscoveryReply[]): Promise<DiscoveryStep>;
  /** Runs a command on the host as the login user (no become), stdin given. */
  run(command: string, stdin: Buffer | undefined): Promise<DiscoveryReply>;
}

/**
 * Ansible's interpreter discovery, driven from here: Ansible's function (in the worker) says
 * what to run on the host; the host's answers go back until it has chosen.
 */
export async function discoverInterpreter(io: DiscoveryIo): Promise<{ interpreter: string; warnings: readonly string[] }> {
  const replies: DiscoveryReply[] = [];
  for (let i = 0; i <= MAX_STEPS; i++) {
    const step = await io.ask(replies);
    if ('interpreter' in step) return step;
    const r = await io.run(step.command, step.stdin);
    replies.push({ rc: r.rc, stdout: r.stdout, stderr: r.stderr });
  }
  throw new FtlError('FTL_WORKER', `interpreter discovery on ${io.host} (${io.mode}) did not settle after ${String(MAX_STEPS)} commands`);
}
