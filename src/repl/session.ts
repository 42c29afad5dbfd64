import { homedir } from 'node:os';
import { join } from 'node:path';
import repl, { type REPLServer } from 'node:repl';
import { createInterface } from 'node:readline';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { inspect } from 'node:util';
import { packageVersion } from '../version.js';
import { FtlError, UsageError, describeError } from '../errors.js';
import { exitCodeOf, EXIT } from '../commands/run.js';
import { formatResult, loadTableRenderer, outputMode } from '../commands/output.js';
import { automation, type AutomationOptions, type Ftl, type FtlCore } from '../run/automation.js';
import { RunResult } from '../run/result.js';
import { startAsyncRepl } from './async-repl.js';
import { complete, moduleOfOpenCall } from './completer.js';
import { CoreCompletionSource } from './completion-source.js';
import { dotCommand, type DotContext } from './dot-commands.js';
import { makeDotContext } from './dot-context.js';
import { HistoryFile, holdsSecret } from './history.js';
import { ProgressLine } from './progress-line.js';
import { promptText } from './prompt.js';

export interface ReplOptions extends AutomationOptions {
  json?: boolean;
  input?: Readable & { isTTY?: boolean };
  output?: Writable & { isTTY?: boolean; columns?: number };
  /** Default ~/.ftl/history; null: no history file. */
  historyPath?: string | null;
}

/** Whether any line of a piped session threw or left hosts failed, for the exit code. */
class Outcome {
  private code: number = EXIT.ok;
  note(code: number): void {
    // The first trouble decides: it is what the script's author needs to look at.
    if (this.code === EXIT.ok) this.code = code;
  }
  get exitCode(): number {
    return this.code;
  }
}

export interface Shared {
  ftl: Ftl;
  core: FtlCore;
  out: Writable & { isTTY?: boolean; columns?: number };
  colors: boolean;
  json: { on: boolean };
  print(text: string): void;
  printError(e: unknown): void;
  show(value: unknown): string;
}

function shared(ftl: Ftl, out: Writable & { isTTY?: boolean; columns?: number }, json: boolean): Shared {
  const colors = out.isTTY === true && process.env.NO_COLOR === undefined;
  const state = { on: json };
  const print = (text: string): void => {
    out.write(text.endsWith('\n') ? text : `${text}\n`);
  };
  return {
    ftl,
    core: ftl.core,
    out,
    colors,
    json: state,
    print,
    printError(e) {
      const text = e instanceof FtlError ? e.oneLine() : describeError(e);
      print(colors ? `\x1b[31m✘ ${text}\x1b[0m` : `✘ ${text}`);
    },
    show(value) {
      if (value instanceof RunResult) return formatResult(value, outputMode(state.on, out)).replace(/\n$/, '');
      return inspect(value, { colors, depth: 4 });
    },
  };
}

/** Starts the REPL; resolves with the exit code once it ends (Ctrl-D, .exit, or end of piped input). */
export async function runRepl(opts: ReplOptions = {}): Promise<number> {
  const input = opts.input ?? process.stdin;
  const output = opts.output ?? process.stdout;
  // Results on a terminal are Ink tables: load Ink alongside the inventory and modules, never for a pipe.
  const [ftl] = await Promise.all([automation(opts), output.isTTY === true ? loadTableRenderer() : undefined]);
  const s = shared(ftl, output, opts.json === true);
  try {
    if (input.isTTY === true) return await interactive(s, input, opts);
    return await piped(s, input);
  } finally {
    await ftl.close();
  }
}

function banner(s: Shared): string {
  const inv = s.core.inventory;
  const mods = s.core.modules;
  const hosts = inv.hostNames.length;
  const what = hosts === 0 ? 'no inventory: localhost only (ftl.local)' : `${hosts} host${hosts === 1 ? '' : 's'} in ${inv.groupNames.length} groups`;
  const ansible = mods.ansibleAvailable
    ? `${mods.names().length} modules (ansible-core ${mods.ansibleVersion ?? '?'})`
    : 'native modules only: apt-get install ansible-core for every Ansible module';
  return `ftl ${packageVersion()} · ${what} · ${ansible}\nTry ftl.${hosts === 0 ? 'local' : 'here'}.ping() · .help · Tab completes · Ctrl-C cancels a call · Ctrl-D leaves`;
}

function interactive(s: Shared, input: Readable, opts: ReplOptions): Promise<number> {
  const { core } = s;
  const progress = new ProgressLine(s.out);
  core.onProgress = (p) => {
    progress.update(p);
  };
  let server: REPLServer | undefined;
  const hostCount = (): number | undefined => {
    try {
      return core.hostsOf(core.defaultTarget).length;
    } catch {
      return undefined;
    }
  };
  const prompt = (): string =>
    promptText({ target: core.defaultTarget, hosts: hostCount(), check: core.defaults.check, diff: core.defaults.diff, become: core.defaults.become, colors: s.colors });
  const refreshPrompt = (): void => {
    server?.setPrompt(prompt());
  };

  return new Promise<number>((resolve) => {
    const dot: DotContext = makeDotContext(s, {
      onChange: refreshPrompt,
      exit: async () => {
        server?.close();
        await Promise.resolve();
      },
    });
    const source = new CoreCompletionSource(core, dot);
    s.print(banner(s));
    const srv = startAsyncRepl({
      input,
      output: s.out,
      terminal: true,
      prompt: prompt(),
      writer: (v) => s.show(v),
      onInterrupt: () => {
        progress.clear();
        s.print(s.colors ? '\x1b[33m⏹ cancelling on every host…\x1b[0m' : 'cancelling on every host…');
        core.interrupt();
      },
      onBusy: (busy) => {
        if (!busy) progress.clear();
      },
      onError: (e) => {
        progress.clear();
        if (!(e instanceof FtlError)) return false;
        s.printError(e);
        return true;
      },
      completer: async (line) => {
        const module = moduleOfOpenCall(line);
        if (module !== undefined) await source.loadDocFor(module);
        return complete(line, source);
      },
    });
    server = srv;
    srv.context.ftl = s.ftl;
    srv.on('reset', (ctx: Record<string, unknown>) => {
      ctx.ftl = s.ftl;
    });

    for (const cmdName of dotNames()) {
      const cmd = dotCommand(cmdName);
      if (cmd === undefined) continue;
      srv.defineCommand(cmd.name, {
        help: cmd.help,
        action(arg: string) {
          Promise.resolve()
            .then(() => cmd.run(arg, dot))
            .catch((e: unknown) => {
              s.printError(e);
            })
            .finally(() => {
              refreshPrompt();
              srv.displayPrompt();
            });
        },
      });
    }

    // Ctrl-C at the prompt clears the line and never leaves: a stray double Ctrl-C
    // after a cancelled call must not end a session with gates open on a fleet.
    srv.removeAllListeners('SIGINT');
    srv.on('SIGINT', () => {
      srv.clearBufferedCommand();
      srv.write('', { ctrl: true, name: 'e' });
      srv.write('', { ctrl: true, name: 'u' });
      s.out.write('\n');
      s.print('(Ctrl-D or .exit leaves)');
      srv.displayPrompt();
    });

    setupHistory(srv, opts.historyPath === undefined ? join(homedir(), '.ftl', 'history') : opts.historyPath);
    srv.on('exit', () => {
      progress.clear();
      core.onProgress = undefined;
      resolve(EXIT.ok);
    });
  });
}

function dotNames(): string[] {
  return ['help', 'hosts', 'groups', 'modules', 'doc', 'target', 'check', 'diff', 'become', 'forks', 'timeout', 'gates', 'json', 'settings', 'exit'];
}

function setupHistory(srv: REPLServer, path: string | null): void {
  const rl = srv as unknown as { history: string[] };
  if (path === null) return;
  const file = new HistoryFile(path);
  rl.history.push(...file.load().filter((l) => !holdsSecret(l)));
  srv.on('line', (line: string) => {
    if (holdsSecret(line)) {
      // readline already keeps it for the up arrow; take it back so it never reappears.
      if (rl.history[0] === line) rl.history.shift();
      return;
    }
    file.append(line);
  });
}

/**
 * Piped input: lines are evaluated one after another, each call finishing before the
 * next line starts, as a script would expect. Output is plain text or JSON lines.
 */
async function piped(s: Shared, input: Readable): Promise<number> {
  const outcome = new Outcome();
  let settle: ((r: { value: unknown } | { error: unknown }) => void) | undefined;
  const server = startAsyncRepl({
    input: new PassThrough(),
    output: new PassThrough(),
    terminal: false,
    prompt: '',
    onInterrupt: () => {
      s.core.interrupt();
    },
    // Every error of a piped line goes to the line's evaluation, however it was raised.
    onError: (e) => {
      if (settle === undefined || e instanceof repl.Recoverable) return false;
      settle({ error: e });
      settle = undefined;
      return true;
    },
  });
  server.context.ftl = s.ftl;
  const dot = makeDotContext(s, {
    onChange: () => undefined,
    exit: () => Promise.resolve(),
  });
  const evaluate = (code: string): Promise<{ value: unknown } | { error: unknown }> =>
    new Promise((resolve) => {
      settle = resolve;
      const evalFn = server.eval as (c: string, ctx: object, file: string, cb: (e: Error | null, v?: unknown) => void) => void;
      evalFn.call(server, code, server.context, 'REPL', (err, value) => {
        const done = settle;
        settle = undefined;
        done?.(err !== null ? { error: err } : { value });
      });
    });

  const rl = createInterface({ input, crlfDelay: Infinity, terminal: false });
  let buffer = '';
  for await (const line of rl) {
    if (buffer === '' && /^\s*\.\w+/.test(line)) {
      const m = /^\s*\.(\w+)\s*(.*)$/.exec(line);
      const cmd = dotCommand(m?.[1] ?? '');
      if (cmd === undefined) {
        s.printError(new UsageError('FTL_USAGE', `unknown command '${line.trim()}'`, { hint: '.help lists the commands' }));
        outcome.note(EXIT.usage);
        continue;
      }
      if (cmd.name === 'exit') break;
      try {
        await cmd.run(m?.[2] ?? '', dot);
      } catch (e) {
        s.printError(e);
        outcome.note(EXIT.usage);
      }
      continue;
    }
    const code = `${buffer}${line}\n`;
    if (code.trim() === '') continue;
    const r = await evaluate(code);
    if ('error' in r && r.error instanceof repl.Recoverable) {
      buffer = code;
      continue;
    }
    buffer = '';
    if ('error' in r) {
      s.printError(r.error);
      outcome.note(EXIT.usage);
      continue;
    }
    (server as unknown as { last: unknown }).last = r.value;
    if (r.value instanceof RunResult) outcome.note(exitCodeOf(r.value));
    if (r.value !== undefined) s.print(s.show(r.value));
  }
  if (buffer.trim() !== '') {
    s.printError(new UsageError('FTL_USAGE', 'the input ended inside an unfinished statement', { hint: 'close the brackets or quotes of the last statement' }));
    outcome.note(EXIT.usage);
  }
  rl.close();
  server.close();
  return outcome.exitCode;
}
