import { Option, type Command } from 'commander';
import { UsageError } from '../base/errors.js';
import type { AutomationOptions } from '../run/automation.js';

/** Options shared by the REPL (`ftl`) and one-shot calls (`ftl run`). */
export interface CommonCliOptions {
  inventory?: string[];
  limit?: string;
  check?: boolean;
  diff?: boolean;
  forks?: string;
  timeout?: string;
  become?: string | boolean;
  json?: boolean;
  acceptNew?: boolean;
  hostKeyCheck?: boolean;
  askPass?: boolean;
  askBecomePass?: boolean;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function addCommonOptions(cmd: Command): Command {
  return cmd
    .option('-i, --inventory <source>', 'inventory file, directory or script (repeatable); none: localhost only', collect)
    .option('-l, --limit <pattern>', 'only hosts that also match this pattern')
    .option('-C, --check', 'check mode: report what would change, change nothing')
    .option('-D, --diff', 'show the differences that changes make')
    .option('-f, --forks <n>', 'hosts worked on at once (default 50)')
    .option('-T, --timeout <seconds>', 'per host per call (default 300)')
    .addOption(new Option('-b, --become [user]', 'run modules as another user through sudo (default root)'))
    .option('-k, --ask-pass', 'ask for the SSH password once, on the terminal (for hosts whose inventory gives none)')
    .option('-K, --ask-become-pass', 'ask for the become (sudo) password once, on the terminal')
    .option('--json', 'results as JSON lines')
    .option('--accept-new', 'record host keys not yet in known_hosts (a changed key is still refused)')
    .option('--no-host-key-check', 'do not check host keys at all (throwaway labs only)');
}

function positiveInt(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError('FTL_USAGE', `${name} must be a positive whole number, not '${v}'`);
  return n;
}

function positiveNumber(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError('FTL_USAGE', `${name} must be a positive number of seconds, not '${v}'`);
  return n;
}

export function automationOptions(o: CommonCliOptions): AutomationOptions {
  const become = o.become === true ? 'root' : typeof o.become === 'string' ? o.become : undefined;
  return {
    ...(o.inventory === undefined ? {} : { inventory: o.inventory }),
    ...(o.limit === undefined ? {} : { limit: o.limit }),
    check: o.check === true,
    diff: o.diff === true,
    ...(o.forks === undefined ? {} : { forks: positiveInt('--forks', o.forks) }),
    ...(o.timeout === undefined ? {} : { timeout: positiveNumber('--timeout', o.timeout) }),
    ...(become === undefined ? {} : { become }),
    ...(o.acceptNew === true ? { acceptNew: true } : {}),
    ...(o.hostKeyCheck === false ? { noHostKeyCheck: true } : {}),
  };
}
