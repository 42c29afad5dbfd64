/**
 * Failure observations, as FTL2 gathers them: when a service, file or command call fails
 * on a host, a few read-only commands run there through the same gate (same user, same
 * become) and their answers go under the failure. What to run is decided here from the
 * module and its args; running is given in (the core runs each as a command call), so
 * that the plan can be tested without hosts.
 */
import type { Observation } from '../base/types.js';
import { hasTemplate } from '../base/templates.js';

export type { Observation } from '../base/types.js';

/** One read-only command: what runs (argv), and how it is shown. */
export interface ObserveCommand {
  readonly argv: readonly string[];
  readonly shown: string;
  /** What an answer that printed nothing means (`command -v` finding nothing). */
  readonly silent?: string;
}

/** Runs one command on the host; never throws (a failure is an observation too). */
export type ObserveExec = (c: ObserveCommand) => Promise<Observation>;

/** Seconds each observation may take; the rest of the call's own time, when less. */
export const OBSERVE_DEADLINE_S = 5;
/** Lines and characters of an observation's output kept in results (the screen shows fewer). */
const KEEP_LINES = 40;
const KEEP_CHARS = 4000;

const SERVICE = new Set(['service', 'systemd', 'systemd_service', 'sysvinit']);
const FILES = new Set(['copy', 'template', 'file']);
const COMMANDS = new Set(['command', 'shell']);

function shortName(module: string): string {
  const parts = module.split('.');
  return parts[parts.length - 1] ?? module;
}

/** Whether a failure of this module (in this mode) is observed at all. */
export function observes(module: string, check: boolean): boolean {
  const s = shortName(module);
  if (COMMANDS.has(s)) return !check; // in check mode nothing ran: there is nothing to look at
  return SERVICE.has(s) || FILES.has(s);
}

function str(v: unknown): string | undefined {
  // A value still to be templated per host is not what the host saw: it is not guessed at.
  return typeof v === 'string' && v.trim() !== '' && !hasTemplate(v) ? v.trim() : undefined;
}

function argsOf(args: unknown): Record<string, unknown> {
  if (typeof args === 'string') return { _raw_params: args };
  if (args !== null && typeof args === 'object' && !Array.isArray(args)) return args as Record<string, unknown>;
  return {};
}

/** The first word a command line runs, past `VAR=value` assignments. */
export function firstWord(args: Record<string, unknown>): string | undefined {
  if (Array.isArray(args.argv)) return str(args.argv[0]);
  const line = str(args._raw_params) ?? str(args.cmd);
  if (line === undefined) return undefined;
  const words = line.split(/\s+/).filter((w) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(w));
  const w = words[0]?.replace(/^['"]|['"]$/g, '');
  return w === undefined || w === '' || /[;&|<>()$`]/.test(w) ? undefined : w;
}

function parentOf(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  const i = trimmed.lastIndexOf('/');
  if (i < 0) return '.';
  return i === 0 ? '/' : trimmed.slice(0, i);
}

const cmd = (...argv: string[]): ObserveCommand => ({ argv, shown: argv.join(' ') });

function keep(o: Observation): Observation {
  let lines = o.output.replace(/\s+$/, '').split('\n');
  if (lines.length > KEEP_LINES) lines = [...lines.slice(0, KEEP_LINES), `… ${String(lines.length - KEEP_LINES)} more lines`];
  let output = lines.join('\n');
  if (output.length > KEEP_CHARS) output = `${output.slice(0, KEEP_CHARS)}…`;
  return { ...o, output };
}

/**
 * Gathers the observations of one failed call on one host, in order; [] when the module
 * is not one that is observed, or its args name nothing to look at.
 */
export async function gatherObservations(module: string, rawArgs: unknown, check: boolean, exec: ObserveExec): Promise<Observation[]> {
  if (!observes(module, check)) return [];
  const s = shortName(module);
  const args = argsOf(rawArgs);
  const out: Observation[] = [];
  const run = async (c: ObserveCommand): Promise<Observation> => {
    const o = keep(await exec(c));
    out.push(o);
    return o;
  };
  if (SERVICE.has(s)) {
    const name = str(args.name) ?? str(args.service) ?? str(args.unit);
    if (name === undefined) return out;
    await run(cmd('systemctl', 'status', name, '--no-pager'));
    await run(cmd('journalctl', '-u', name, '-n', '20', '--no-pager'));
    return out;
  }
  if (FILES.has(s)) {
    const path = str(args.dest) ?? str(args.path) ?? str(args.name);
    if (path === undefined) return out;
    // The path itself, else its parent: which part of the way is missing, and who owns it.
    let there = path;
    if ((await run(cmd('ls', '-laZ', path))).rc !== 0) {
      there = parentOf(path);
      if ((await run(cmd('ls', '-laZ', there))).rc !== 0) {
        // Free space is that of the nearest directory that exists (not shown: only its df is).
        const found = await exec({ argv: ['sh', '-c', 'p=$1; while [ ! -e "$p" ]; do p=$(dirname -- "$p"); done; printf %s "$p"', 'sh', there], shown: '' });
        there = found.rc === 0 && found.output.trim() !== '' ? found.output.trim() : '/';
      }
    }
    await run(cmd('df', '-P', there));
    await run(cmd('df', '-Pi', there));
    return out;
  }
  // command and shell: where it ran, and what its first word is there.
  const chdir = str(args.chdir);
  if (chdir !== undefined) await run(cmd('ls', '-ld', chdir));
  const word = firstWord(args);
  if (word !== undefined) await run({ argv: ['sh', '-c', 'command -v -- "$1"', 'sh', word], shown: `command -v ${word}`, silent: `${word}: not found (PATH or a shell builtin)` });
  return out;
}

/** The text of a command call's result as an observation's output: what it printed, else its message. */
export function observationOf(c: ObserveCommand, result: Readonly<Record<string, unknown>>): Observation {
  const text = (v: unknown): string => (typeof v === 'string' ? v.replace(/\s+$/, '') : '');
  const printed = [text(result.stdout), text(result.stderr)].filter((t) => t !== '').join('\n');
  const rc = typeof result.rc === 'number' ? result.rc : result.failed === true ? -1 : 0;
  // The command module's own words for a plain non-zero exit say nothing the rc does not.
  const msg = text(result.msg) === 'non-zero return code' ? '' : text(result.msg);
  const output = printed !== '' ? printed : msg !== '' ? msg : rc !== 0 && c.silent !== undefined ? c.silent : '';
  return { command: c.shown, rc, output };
}
