import { UsageError } from '../base/errors.js';

/** What the dot-commands read and change; the REPL session implements it. */
export interface DotContext {
  /** Writes text (a trailing newline is added when missing). */
  print(text: string): void;
  hosts(pattern: string | undefined): string[];
  groups(): { name: string; hosts: number }[];
  modules(filter: string | undefined): { names: string[]; hint: string | undefined };
  moduleNames(): string[];
  targetNames(): string[];
  doc(module: string): Promise<string>;
  gates(): string;
  /** `.gates restart|upgrade|drain [pattern]`: what was done, in one line (and a line per failure). */
  gateLifecycle(action: 'restart' | 'upgrade' | 'drain', pattern: string | undefined): Promise<string>;
  /** Lists the session's secrets by name (never values); with names, reads more first. */
  secrets(arg: string): Promise<string>;
  help(): string;
  setTarget(pattern: string): void;
  setFlag(flag: 'check' | 'diff' | 'json' | 'observe', on: boolean): void;
  setBecome(user: string | undefined): void;
  setForks(n: number): void;
  setTimeout(s: number): void;
  /** The blast-radius guard: undefined turns it off. */
  setGuard(n: number | undefined): void;
  settings(): string;
  /** The last result whole (a host's, or every row), through a pager when longer than the screen. */
  show(host: string | undefined): Promise<void>;
  /** Runs the last check-mode call for real on the hosts it would change. */
  apply(): Promise<void>;
  /** Writes the session's changing calls as an Ansible playbook. */
  exportPlaybook(file: string): void;
  /** `.watch PATH [pattern]`, `.watch off`, `.watch`: file changes printed as they come. */
  watch(arg: string): Promise<void>;
  /** The live metrics panel of the hosts of a pattern (the default target when undefined). */
  top(pattern: string | undefined): Promise<void>;
  /** Records every call from now on in FILE (JSON lines); undefined stops. */
  setRecord(file: string | undefined): void;
  /** Runs the calls of a record again, skipping what already succeeded. */
  replay(file: string): Promise<void>;
  exit(): Promise<void>;
}

export interface DotCommand {
  readonly name: string;
  readonly usage: string;
  readonly help: string;
  /** Completions for the argument. */
  args(ctx: DotContext): string[];
  run(arg: string, ctx: DotContext): Promise<void> | void;
}

const GATE_ACTIONS = ['restart', 'upgrade', 'drain'] as const;

function onOff(command: string, arg: string): boolean {
  const a = arg.trim().toLowerCase();
  if (a === 'on' || a === 'true' || a === '1') return true;
  if (a === 'off' || a === 'false' || a === '0') return false;
  throw new UsageError('FTL_USAGE', `.${command} takes on or off, not '${arg.trim()}'`, { hint: `e.g. .${command} on` });
}

function positive(command: string, arg: string, integer: boolean): number {
  const n = Number(arg.trim());
  if (arg.trim() === '' || !Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new UsageError('FTL_USAGE', `.${command} takes a positive ${integer ? 'whole number' : 'number'}, not '${arg.trim()}'`, {
      hint: `e.g. .${command} ${integer ? '20' : '60'}`,
    });
  }
  return n;
}

function columns(names: readonly string[], width = 100): string {
  if (names.length === 0) return '';
  const w = Math.max(...names.map((n) => n.length)) + 2;
  const perLine = Math.max(1, Math.floor(width / w));
  const lines: string[] = [];
  for (let i = 0; i < names.length; i += perLine) {
    lines.push(
      names
        .slice(i, i + perLine)
        .map((n) => n.padEnd(w))
        .join('')
        .trimEnd(),
    );
  }
  return lines.join('\n');
}

const ON_OFF = (): string[] => ['on', 'off'];

export const DOT_COMMANDS: readonly DotCommand[] = [
  { name: 'help', usage: '.help', help: 'this help', args: () => [], run: (_a, c) => { c.print(c.help()); } },
  {
    name: 'hosts',
    usage: '.hosts [pattern]',
    help: 'the hosts of the inventory, or of a pattern',
    args: (c) => c.targetNames(),
    run(arg, c) {
      const hosts = c.hosts(arg.trim() === '' ? undefined : arg.trim());
      c.print(`${columns(hosts)}\n(${hosts.length} host${hosts.length === 1 ? '' : 's'})`);
    },
  },
  {
    name: 'groups',
    usage: '.groups',
    help: 'the groups of the inventory with their host counts',
    args: () => [],
    run(_a, c) {
      const groups = c.groups();
      c.print(groups.length === 0 ? '(no groups: the inventory is empty; localhost works without one)' : groups.map((g) => `${g.name} (${g.hosts})`).join('\n'));
    },
  },
  {
    name: 'modules',
    usage: '.modules [filter]',
    help: 'module names, optionally those containing the filter',
    args: () => [],
    run(arg, c) {
      const { names, hint } = c.modules(arg.trim() === '' ? undefined : arg.trim());
      const lines = [columns(names), `(${names.length} module${names.length === 1 ? '' : 's'})`];
      if (hint !== undefined) lines.push(hint);
      c.print(lines.filter((l) => l !== '').join('\n'));
    },
  },
  {
    name: 'doc',
    usage: '.doc MODULE',
    help: "a module's description, options and examples",
    args: (c) => c.moduleNames(),
    async run(arg, c) {
      const name = arg.trim();
      if (name === '') throw new UsageError('FTL_USAGE', '.doc needs a module name', { hint: 'e.g. .doc command' });
      c.print(await c.doc(name));
    },
  },
  {
    name: 'target',
    usage: '.target PATTERN',
    help: 'the default target, used by ftl.here',
    args: (c) => c.targetNames(),
    run(arg, c) {
      if (arg.trim() === '') throw new UsageError('FTL_USAGE', '.target needs a host pattern', { hint: 'e.g. .target webservers' });
      c.setTarget(arg.trim());
    },
  },
  { name: 'check', usage: '.check on|off', help: 'check mode for every call: report, change nothing', args: ON_OFF, run: (a, c) => { c.setFlag('check', onOff('check', a)); } },
  { name: 'diff', usage: '.diff on|off', help: 'ask modules for the differences they make', args: ON_OFF, run: (a, c) => { c.setFlag('diff', onOff('diff', a)); } },
  {
    name: 'become',
    usage: '.become [user|off]',
    help: 'run every call as another user through sudo or su, as ansible_become_method says (default root)',
    args: () => ['root', 'off'],
    run(arg, c) {
      const a = arg.trim();
      c.setBecome(a === 'off' ? undefined : a === '' ? 'root' : a);
    },
  },
  { name: 'forks', usage: '.forks N', help: 'hosts worked on at once', args: () => [], run: (a, c) => { c.setForks(positive('forks', a, true)); } },
  { name: 'timeout', usage: '.timeout S', help: 'seconds per host per call', args: () => [], run: (a, c) => { c.setTimeout(positive('timeout', a, false)); } },
  {
    name: 'guard',
    usage: '.guard N|off',
    help: 'ask before a changing call on more than N hosts (default 10)',
    args: () => ['10', 'off'],
    run(arg, c) {
      const a = arg.trim().toLowerCase();
      c.setGuard(a === 'off' ? undefined : positive('guard', a, true));
    },
  },
  {
    name: 'gates',
    usage: '.gates [restart|upgrade|drain [pattern]]',
    help: 'the open gates (host, state, build, pid, uptime, calls, running); restart, upgrade to the current build, or drain them',
    args: () => [...GATE_ACTIONS],
    async run(arg, c) {
      const [action, ...rest] = arg.trim().split(/\s+/).filter((w) => w !== '');
      if (action === undefined) {
        c.print(c.gates());
        return;
      }
      if (!(GATE_ACTIONS as readonly string[]).includes(action)) {
        throw new UsageError('FTL_USAGE', `.gates takes restart, upgrade or drain, not '${action}'`, { hint: 'e.g. .gates upgrade web*' });
      }
      const pattern = rest.join(' ');
      c.print(await c.gateLifecycle(action as (typeof GATE_ACTIONS)[number], pattern === '' ? undefined : pattern));
    },
  },
  {
    name: 'secrets',
    usage: '.secrets [NAME ...]',
    help: 'the secrets by name (never values) and bindings; NAME adds an environment variable (or NAME=vault:path#field)',
    args: () => [],
    async run(arg, c) {
      c.print(await c.secrets(arg));
    },
  },
  { name: 'observe', usage: '.observe on|off', help: 'after a failure, look around the host (service status, ls, df, command -v); default on', args: ON_OFF, run: (a, c) => { c.setFlag('observe', onOff('observe', a)); } },
  { name: 'json', usage: '.json on|off', help: 'print results as JSON lines', args: ON_OFF, run: (a, c) => { c.setFlag('json', onOff('json', a)); } },
  { name: 'settings', usage: '.settings', help: "the current target, check, diff, become, forks, timeout, and Ansible's settings with where each came from", args: () => [], run: (_a, c) => { c.print(c.settings()); } },
  {
    name: 'show',
    usage: '.show [host]',
    help: "the last result whole, nothing cut (a host's: stdout, stderr, diff, the rest)",
    args: (c) => c.targetNames(),
    run: (a, c) => c.show(a.trim() === '' ? undefined : a.trim()),
  },
  { name: 'apply', usage: '.apply', help: 'run the last check-mode call for real, on the hosts it would change', args: () => [], run: (_a, c) => c.apply() },
  {
    name: 'export',
    usage: '.export FILE.yml',
    help: "this session's calls that changed something as an Ansible playbook (secrets as variables)",
    args: () => [],
    run(arg, c) {
      const file = arg.trim();
      if (file === '') throw new UsageError('FTL_USAGE', '.export needs a file name', { hint: 'e.g. .export session.yml' });
      c.exportPlaybook(file);
    },
  },
  {
    name: 'watch',
    usage: '.watch PATH [pattern] | off',
    help: 'print changes under PATH on the hosts (the target by default) as they come, between prompts; .watch off stops',
    args: () => ['off'],
    run: (a, c) => c.watch(a),
  },
  {
    name: 'top',
    usage: '.top [pattern]',
    help: 'a live panel of CPU, load, memory, disk and network per host; keys sort, any other key leaves',
    args: (c) => c.targetNames(),
    run: (a, c) => c.top(a.trim() === '' ? undefined : a.trim()),
  },
  {
    name: 'record',
    usage: '.record FILE|off',
    help: 'record every call (args with secrets masked or by name, outcome per host) in FILE, for .replay and ftl replay',
    args: () => ['off'],
    run(arg, c) {
      const file = arg.trim();
      if (file === '') throw new UsageError('FTL_USAGE', '.record needs a file name, or off', { hint: 'e.g. .record session.jsonl' });
      c.setRecord(file === 'off' ? undefined : file);
    },
  },
  {
    name: 'replay',
    usage: '.replay FILE',
    help: 'run the calls recorded in FILE again, skipping the hosts where each already succeeded; appends the new outcomes',
    args: () => [],
    run(arg, c) {
      const file = arg.trim();
      if (file === '') throw new UsageError('FTL_USAGE', '.replay needs a record file', { hint: 'e.g. .replay session.jsonl' });
      return c.replay(file);
    },
  },
  { name: 'exit', usage: '.exit', help: 'shut every gate down and leave (also Ctrl-D)', args: () => [], run: (_a, c) => c.exit() },
];

export function dotCommand(name: string): DotCommand | undefined {
  return DOT_COMMANDS.find((c) => c.name === name);
}

export function dotHelp(): string {
  const w = Math.max(...DOT_COMMANDS.map((c) => c.usage.length)) + 2;
  return DOT_COMMANDS.map((c) => `  ${c.usage.padEnd(w)}${c.help}`).join('\n');
}
