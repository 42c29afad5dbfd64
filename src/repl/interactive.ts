import type { Readable } from 'node:stream';
import type { REPLServer } from 'node:repl';
import { FtlError } from '../base/errors.js';
import { packageVersion } from '../base/version.js';
import { EXIT } from '../run/exit-codes.js';
import { loadRenderer } from '../ui/index.js';
import { outputMode } from '../ui/output.js';
import { startAsyncRepl } from './async-repl.js';
import { complete, moduleOfOpenCall } from './completer.js';
import { CoreCompletionSource } from './completion-source.js';
import { DOT_COMMANDS, type DotContext } from './dot-commands.js';
import { makeDotContext } from './dot-context.js';
import { HistoryFile, holdsSecret } from './history.js';
import { leaveEditorMode, replHistory } from './node-internals.js';
import { suggestDotCommands } from './dot-typo.js';
import { ProgressLine } from './progress-line.js';
import { page } from './pager.js';
import { runTop } from './top-view.js';
import { promptText } from './prompt.js';
import { setContext, type Shared } from './shared.js';

/** What the interactive session does around a password question. */
export interface AskHooks {
  /** Before the question shows (the progress line steps aside) and after it is answered. */
  hold(on: boolean): void;
  /** Ctrl-C at the question cancels the call it was asked for. */
  interrupt(): void;
}

/**
 * The line before the first prompt. It names the collections, not the modules: counting
 * modules walks every collection's files (~7,500 with Debian's ansible), which is done
 * once the prompt is up (completion), not before it.
 */
export function banner(s: Shared): string {
  const inv = s.core.inventory;
  const mods = s.core.modules;
  const hosts = inv.hostNames.length;
  const what = hosts === 0 ? 'no inventory: localhost only (ftl.local)' : `${hosts} host${hosts === 1 ? '' : 's'} in ${inv.groupNames.length} groups`;
  const collections = mods.ansibleAvailable ? mods.collectionCount() : 0;
  const ansible = mods.ansibleAvailable
    ? `ansible-core ${mods.ansibleVersion ?? '?'}${collections === 0 ? '' : ` and ${String(collections)} collection${collections === 1 ? '' : 's'}`}`
    : 'native modules only: apt-get install ansible-core for every Ansible module';
  return `ftl ${packageVersion()} · ${what} · ${ansible}\nTry ftl.${hosts === 0 ? 'local' : 'here'}.ping() · .help · Tab completes · Ctrl-C cancels a call · Ctrl-D leaves`;
}

export function interactive(s: Shared, input: Readable, historyPath: string | null, hooks: AskHooks): Promise<number> {
  const { core } = s;
  const progress = new ProgressLine(s.out);
  hooks.hold = (on) => {
    progress.hold(on);
  };
  hooks.interrupt = () => {
    s.print(s.colors ? '\x1b[33m⏹ cancelling on every host…\x1b[0m' : 'cancelling on every host…');
    core.interrupt();
  };
  core.onProgress = (p, call) => {
    progress.update(p, call);
  };
  let server: REPLServer | undefined;
  let lineBusy = (): boolean => false;
  /**
   * Text that comes while the prompt is up (a call not awaited by a line ends, a watched
   * file changes): printed above the prompt, which is put back with what was typed on it
   * and the cursor where it was. While a line runs, printed as it comes.
   */
  const printAbove = (text: string): void => {
    progress.erase();
    const atPrompt = !lineBusy() && server !== undefined;
    if (atPrompt) s.out.write('\r\x1b[K');
    s.print(text);
    if (atPrompt) server?.displayPrompt(true);
  };
  /** Results already printed when their call ended: the line that returns them prints nothing more. */
  const printed = new WeakSet<object>();
  let printing: Promise<void> = Promise.resolve();
  core.onResult = (r) => {
    printed.add(r);
    // One at a time, in the order calls end (a table may first need Ink loaded).
    printing = printing
      .then(async () => {
        await s.ready(r);
        printAbove(s.show(r));
      })
      .catch((e: unknown) => {
        s.printError(e);
      });
  };
  const alreadyShown = (v: unknown): boolean =>
    (typeof v === 'object' && v !== null && printed.has(v)) || (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'object' && x !== null && printed.has(x as object)));
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
  // ftl.addHost / ftl.removeHost change the count the prompt shows.
  core.onInventoryChange = refreshPrompt;

  return new Promise<number>((resolve) => {
    const dot: DotContext = makeDotContext(s, {
      onChange: refreshPrompt,
      exit: async () => {
        server?.close();
        await Promise.resolve();
      },
      printAbove,
      top: (pattern) => runTop(core, pattern, { input: input, out: s.out, colors: s.colors }),
      page: (text) =>
        page(text, {
          out: s.out,
          input,
          pause: () => server?.pause(),
          resume: () => server?.resume(),
        }),
    });
    const source = new CoreCompletionSource(core, dot);
    s.print(banner(s));
    const repl = startAsyncRepl({
      input,
      output: s.out,
      terminal: true,
      prompt: prompt(),
      writer: (v) => s.show(v),
      // Results of calls that ended are on screen before the line's own value.
      beforeWrite: (v) => printing.then(() => s.ready(v)),
      shown: alreadyShown,
      onInterrupt: () => {
        progress.erase();
        if (core.callsInFlight > 0) s.print(s.colors ? '\x1b[33m⏹ cancelling on every host…\x1b[0m' : 'cancelling on every host…');
        core.interrupt();
        // The rest of the line (a loop's next turns) must not start calls again.
        core.refuseCalls = 'Ctrl-C: the rest of the line was not run';
      },
      idle: () => core.callsInFlight === 0,
      onAbandon: () => {
        s.print(s.colors ? "\x1b[33m⏹ the line's promise had not settled: left behind, the prompt is back\x1b[0m" : "⏹ the line's promise had not settled: left behind, the prompt is back");
      },
      onBusy: (busy) => {
        if (busy) return;
        progress.clear();
        progress.note = '';
        core.refuseCalls = undefined;
      },
      onClearScreen: () => {
        // The cleared line is gone: the next tick draws it again at the top.
        progress.forget();
      },
      onQueued: (n) => {
        progress.note = n === 0 ? '' : ` · ${String(n)} line${n === 1 ? '' : 's'} typed, run next`;
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
    const srv = repl.server;
    server = srv;
    lineBusy = () => repl.busy();
    setContext(srv.context, s);
    srv.on('reset', (ctx: Record<string, unknown>) => {
      setContext(ctx, s);
    });

    // Every command of the registry: a hand-kept list here once left .export out of the terminal.
    for (const cmd of DOT_COMMANDS) {
      srv.defineCommand(cmd.name, {
        help: cmd.help,
        action(arg: string) {
          // A dot-command that makes calls (.apply) runs as a line does: typing waits, Ctrl-C cancels.
          // The prompt is back before what was typed meanwhile is replayed onto it.
          void repl.hold(async () => {
            try {
              await cmd.run(arg, dot);
              await printing;
            } catch (e) {
              s.printError(e);
            }
            refreshPrompt();
            srv.displayPrompt();
          });
        },
      });
    }

    suggestDotCommands(srv, (e) => {
      s.printError(e);
    });

    // Ctrl-C at the prompt clears the line and never leaves: a stray double Ctrl-C
    // after a cancelled call must not end a session with gates open on a fleet.
    srv.removeAllListeners('SIGINT');
    srv.on('SIGINT', () => {
      // node's own handler (replaced here) also ends .editor mode; without that, Enter would only ever add lines.
      leaveEditorMode(srv);
      refreshPrompt();
      srv.clearBufferedCommand();
      srv.write('', { ctrl: true, name: 'e' });
      srv.write('', { ctrl: true, name: 'u' });
      s.out.write('\n');
      s.print('(Ctrl-D or .exit leaves)');
      srv.displayPrompt();
    });

    setupHistory(srv, historyPath, (line) => [...s.core.secrets.all()].some((v) => line.includes(v)));
    // The prompt is up: get completion and the table renderer ready while the person types.
    setTimeout(() => {
      source.warm();
      dot.moduleNames();
      if (outputMode(s.json.on, s.out).kind === 'table') loadRenderer().catch(() => undefined);
    }, 20).unref();
    srv.on('exit', () => {
      progress.clear();
      core.onProgress = undefined;
      core.onResult = undefined;
      resolve(EXIT.ok);
    });
  });
}

/** History without lines that may hold a secret: by their words, or a secret value the session knows (a pasted token). */
function setupHistory(srv: REPLServer, path: string | null, holdsKnownSecret: (line: string) => boolean): void {
  if (path === null) return;
  const history = replHistory(srv);
  const file = new HistoryFile(path);
  history.push(...file.load().filter((l) => !holdsSecret(l) && !holdsKnownSecret(l)));
  srv.on('line', (line: string) => {
    if (holdsSecret(line) || holdsKnownSecret(line)) {
      // readline already keeps it for the up arrow; take it back so it never reappears.
      if (history[0] === line) history.shift();
      return;
    }
    file.append(line);
  });
}

