/**
 * Ansible as the oracle: run a module through `ansible` (one call) or `ansible-playbook`
 * (many calls in one run, which is much cheaper), and normalise a result so that ftl's
 * answer for the same call can be compared with deepEqual.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './exec.js';

export interface AnsibleOptions {
  check?: boolean;
  diff?: boolean;
  /** An inventory file; without one, `host` must be localhost and the connection is local. */
  inventory?: string;
  extraVars?: Record<string, unknown>;
  env?: NodeJS.ProcessEnv;
}

export interface AnsibleCall {
  module: string;
  args: Record<string, unknown>;
  check?: boolean;
  diff?: boolean;
}

export type AnsibleResult = Record<string, unknown>;

interface JsonCallbackOutput {
  plays: { tasks: { hosts: Record<string, AnsibleResult | undefined> }[] }[];
}

const ORACLE_ENV: NodeJS.ProcessEnv = {
  ANSIBLE_LOAD_CALLBACK_PLUGINS: '1',
  ANSIBLE_STDOUT_CALLBACK: 'json',
  ANSIBLE_NOCOLOR: '1',
  ANSIBLE_RETRY_FILES_ENABLED: 'False',
  ANSIBLE_LOCALHOST_WARNING: 'False',
  ANSIBLE_INVENTORY_UNPARSED_WARNING: 'False',
  // One SSH command per task instead of three or four: results are the same, the oracle faster.
  ANSIBLE_PIPELINING: 'True',
};

function commonArgs(host: string, opts: AnsibleOptions): string[] {
  const args: string[] = [];
  if (opts.inventory !== undefined) args.push('-i', opts.inventory);
  else {
    if (host !== 'localhost') throw new Error(`runAnsible: host ${host} needs an inventory (opts.inventory)`);
    args.push('-i', 'localhost,', '-c', 'local', '-e', 'ansible_python_interpreter=/usr/bin/python3');
  }
  if (opts.extraVars !== undefined) args.push('-e', JSON.stringify(opts.extraVars));
  if (opts.check === true) args.push('--check');
  if (opts.diff === true) args.push('--diff');
  return args;
}

function parseJsonCallback(out: string): JsonCallbackOutput {
  const start = out.indexOf('{');
  if (start < 0) throw new Error(`ansible printed no JSON: ${out}`);
  return JSON.parse(out.slice(start)) as JsonCallbackOutput;
}

function hostResult(parsed: JsonCallbackOutput, task: number, host: string, play = 0): AnsibleResult {
  const r = parsed.plays[play]?.tasks[task]?.hosts[host];
  if (r === undefined) throw new Error(`ansible gave no result for task ${String(task)} of play ${String(play)} on ${host}`);
  return r;
}

/** What `ansible HOST -m MODULE -a JSON` returns for the host. */
export async function runAnsible(host: string, module: string, args: Record<string, unknown>, opts: AnsibleOptions = {}): Promise<AnsibleResult> {
  const out = await run('ansible', [host, ...commonArgs(host, opts), '-m', module, '-a', JSON.stringify(args)], { ...ORACLE_ENV, ...opts.env }, 180_000, [0, 2, 4]);
  return hostResult(parseJsonCallback(out), 0, host);
}

/**
 * Many calls in one ansible-playbook run (each task with ignore_errors, and its own
 * check_mode/diff), results in call order. About one ansible start-up for all of them.
 */
export async function runAnsibleCalls(host: string, calls: readonly AnsibleCall[], opts: AnsibleOptions = {}): Promise<AnsibleResult[]> {
  const [results] = await runAnsiblePlays([{ host, calls }], opts);
  return results ?? [];
}

/**
 * Plays one after the other (each its calls on its host) in one ansible-playbook run:
 * one start-up for several hosts. Results per play, in call order.
 */
export async function runAnsiblePlays(plays: readonly { host: string; calls: readonly AnsibleCall[] }[], opts: AnsibleOptions = {}): Promise<AnsibleResult[][]> {
  const tasks = (calls: readonly AnsibleCall[]): Record<string, unknown>[] => calls.map((c, i) => ({
    name: `call ${String(i)}`,
    [c.module]: c.args,
    ignore_errors: true,
    check_mode: c.check ?? opts.check ?? false,
    diff: c.diff ?? opts.diff ?? false,
  }));
  const dir = mkdtempSync(join(tmpdir(), 'ftl-oracle-'));
  try {
    const book = join(dir, 'calls.yml');
    // JSON is YAML; module args stay exactly as given (no YAML 1.1 surprises).
    writeFileSync(book, JSON.stringify(plays.map((p) => ({ hosts: p.host, gather_facts: false, tasks: tasks(p.calls) }))));
    const hosts = [...new Set(plays.map((p) => p.host))];
    const playArgs = commonArgs(hosts.join(','), { ...opts, check: false, diff: false });
    const out = await run('ansible-playbook', [...playArgs, book], { ...ORACLE_ENV, ...opts.env }, 300_000, [0, 2, 4]);
    const parsed = parseJsonCallback(out);
    return plays.map((p, n) => p.calls.map((_, i) => hostResult(parsed, i, p.host, n)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface NormaliseOptions {
  /** Keys whose values differ between any two runs; replaced by a marker of their kind (null stays null). */
  volatile?: readonly string[];
  /** Keys to drop entirely (e.g. a temp path only Ansible has). */
  drop?: readonly string[];
}

/** Times differ between runs; what matters is whether a value is there and of which kind. */
const TIMES = ['start', 'end', 'delta'];
/** Bookkeeping the controller adds, not the module's answer. */
const CONTROLLER_ONLY = new Set(['invocation', 'action', 'ignore_errors', 'item', 'ansible_loop_var']);

function marker(v: unknown): unknown {
  if (v === null || v === undefined) return v;
  return `<${typeof v}>`;
}

function booleansMessage(v: string): string {
  // Ansible lists the valid booleans from a set: their order changes from run to run.
  const at = v.indexOf('Valid booleans include:');
  return at < 0 ? v : `${v.slice(0, at)}Valid booleans include: <...>`;
}

/**
 * A result made comparable: times become markers, controller bookkeeping and
 * `_ansible_*` keys go, empty warnings/deprecations go, nested objects likewise.
 */
export function normalise(result: unknown, opts: NormaliseOptions = {}): AnsibleResult {
  const volatile = new Set([...TIMES, ...(opts.volatile ?? [])]);
  const drop = new Set(opts.drop ?? []);
  const walk = (v: unknown, depth: number): unknown => {
    if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1));
    if (typeof v === 'string') return booleansMessage(v);
    if (v === null || typeof v !== 'object') return v;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (k.startsWith('_ansible_') || drop.has(k)) continue;
      if (depth === 0 && CONTROLLER_ONLY.has(k)) continue;
      if ((k === 'warnings' || k === 'deprecations') && Array.isArray(x) && x.length === 0) continue;
      out[k] = volatile.has(k) ? marker(x) : walk(x, depth + 1);
    }
    return out;
  };
  return walk(result, 0) as AnsibleResult;
}
