import type { Command } from 'commander';
import { UsageError } from '../base/errors.js';
import { ModuleIndex } from '../modules/index.js';
import { renderModuleDoc } from '../ui/index.js';

/** `ftl doc MODULE`: the REPL's `.doc` from the shell, so that hints have a command that works there. */
export function registerDocCommand(program: Command): void {
  program
    .command('doc')
    .description("a module's description, options and examples (the REPL's .doc)")
    .argument('<module>', 'module name or FQCN, e.g. copy, community.general.ini_file')
    .action(async (module: string) => {
      const modules = await ModuleIndex.load();
      const doc = await modules.doc(module);
      if (doc === undefined) {
        const info = modules.resolve(module);
        if (info === undefined) throw modules.notFound(module);
        throw new UsageError('FTL_MODULE_NOT_FOUND', `${info.fqcn} has no documentation ftl could read${info.path === undefined ? '' : ` (${info.path})`}`, { hint: `ansible-doc ${info.fqcn} shows what Ansible makes of it` });
      }
      const out = process.stdout;
      const colors = out.isTTY && process.env.NO_COLOR === undefined;
      out.write(`${await renderModuleDoc(doc, { columns: out.columns > 0 ? out.columns : 100, colors })}\n`);
    });
}

/** A hint written for the REPL's prompt, in the words of the shell: `.doc copy` is `ftl doc copy` there. */
export function forTheShell(text: string): string {
  return text
    .replace(/(^|[\s(;])\.doc (\S+)/g, '$1ftl doc $2')
    .replace(/(^|[\s(;])\.doc\b/g, '$1ftl doc MODULE')
    .replace(/(^|[\s(;])\.hosts\b/g, '$1ftl inventory --graph')
    .replace(/(^|[\s(;])\.modules\b/g, '$1ansible-doc -l');
}
