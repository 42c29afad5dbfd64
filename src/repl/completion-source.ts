import type { FtlCore } from '../run/core.js';
import type { ModuleDoc } from '../modules/index.js';
import type { CompletionSource } from './completer.js';
import { DOT_COMMANDS, dotCommand, type DotContext } from './dot-commands.js';

const IDENT = /^[A-Za-z_$][\w$]*$/;
const MEMBERS = ['hosts', 'groups', 'last', 'here', 'secrets', 'gates', 'addHost', 'removeHost', 'run', 'replay', 'events', 'listen', 'target', 'close'];
/** What `ftl.<target>.` has besides modules (the Target type's own members). */
const TARGET_MEMBERS = ['hosts', 'pattern', 'watch', 'metrics'];

/**
 * Names for tab completion, from the inventory and the module index. Module docs
 * load on demand (`loadDocFor`) so completion stays instant on thousands of modules.
 */
export class CoreCompletionSource implements CompletionSource {
  private readonly docs = new Map<string, ModuleDoc | undefined>();
  private namespaces: Map<string, Set<string>> | undefined;

  constructor(
    private readonly core: FtlCore,
    private readonly dot: DotContext,
  ) {}

  rootNames(): string[] {
    const inv = this.core.inventory;
    const names = [...inv.groupNames, ...inv.hostNames].map((n) => n.replaceAll('-', '_').replaceAll('.', '_')).filter((n) => IDENT.test(n));
    return [...names, 'local', ...MEMBERS];
  }

  /** Children of each namespace prefix ('' for the top: short names and first segments). */
  private tree(): Map<string, Set<string>> {
    if (this.namespaces !== undefined) return this.namespaces;
    const tree = new Map<string, Set<string>>();
    const add = (parent: string, child: string): void => {
      let set = tree.get(parent);
      if (set === undefined) tree.set(parent, (set = new Set()));
      set.add(child);
    };
    for (const name of this.core.modules.names()) {
      // Only what runs: playbook actions (debug, set_fact, assert) and modules whose action ftl lacks are refused when called.
      const kind = this.core.modules.resolve(name)?.kind;
      if (kind === 'controller-only' || kind === 'action') continue;
      const parts = name.split('.');
      if (parts.length === 1) {
        add('', name);
        continue;
      }
      for (let i = 0; i < parts.length; i++) add(parts.slice(0, i).join('.'), parts[i] ?? '');
    }
    this.namespaces = tree;
    return tree;
  }

  /** Builds the name tree now (the REPL calls it once the prompt shows), so that the first Tab is as quick as the rest. */
  warm(): void {
    this.tree();
  }

  moduleNames(namespace: readonly string[]): string[] {
    const names = [...(this.tree().get(namespace.join('.')) ?? [])];
    return namespace.length === 0 ? [...names, ...TARGET_MEMBERS] : names;
  }

  /** Loads a module's doc so that optionNames/optionChoices can answer synchronously. */
  async loadDocFor(module: string): Promise<void> {
    const key = this.core.modules.resolve(module)?.fqcn ?? module;
    if (this.docs.has(key)) return;
    this.docs.set(key, await this.core.modules.doc(module).catch(() => undefined));
  }

  private docOf(module: string): ModuleDoc | undefined {
    return this.docs.get(this.core.modules.resolve(module)?.fqcn ?? module);
  }

  optionNames(module: string): string[] | undefined {
    const doc = this.docOf(module);
    return doc?.options.flatMap((o) => [o.name, ...o.aliases]);
  }

  optionChoices(module: string, option: string): string[] | undefined {
    const doc = this.docOf(module);
    const opt = doc?.options.find((o) => o.name === option || o.aliases.includes(option));
    if (opt?.choices !== undefined) return opt.choices.map(String);
    if (opt?.type === 'bool') return ['true', 'false'];
    return undefined;
  }

  dotCommands(): string[] {
    return DOT_COMMANDS.map((c) => c.name);
  }

  dotArgs(command: string, partial: string): string[] {
    return (dotCommand(command)?.args(this.dot) ?? []).filter((a) => a.startsWith(partial));
  }
}
