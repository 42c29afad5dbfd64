import { Option, type Command } from 'commander';
import { UsageError } from '../base/errors.js';
import { Warnings } from '../base/warnings.js';
import { AnsibleWorker } from '../hosts/ansible-worker.js';
import { readHiddenFromTerminal } from '../repl/hidden-input.js';
import { loadProject } from '../run/project.js';
import { parseExtraVars } from './extra-vars.js';
import { collect } from './options.js';

/**
 * JSON as Python's json.dumps(sort_keys=True) writes it, which ansible-inventory uses: infinities and NaN
 * (YAML's .inf and .nan) come out as Infinity and NaN, not as null.
 */
export function pythonJson(value: unknown): string {
  const mark = `@@ftl-nonfinite-${String(process.pid)}@@`;
  // sort_keys=True, as ansible-inventory dumps: the same text, not only the same data.
  const sorted = (_k: string, v: unknown): unknown => {
    if (typeof v === 'number' && !Number.isFinite(v)) return `${mark}${String(v)}`;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  };
  const text = JSON.stringify(value, sorted, 4);
  return text.replace(new RegExp(`"${mark}(-?Infinity|NaN)"`, 'g'), '$1');
}

interface InventoryCliOptions {
  inventory?: string[];
  extraVars?: string[];
  list?: boolean;
  graph?: string | boolean;
  host?: string;
  vaultPasswordFile?: string[];
  vaultPassFile?: string[];
  vaultId?: string[];
  askVaultPass?: boolean;
  askVaultPassword?: boolean;
}

/**
 * `ftl inventory`: what ansible-inventory prints. The sources are those of -i, else of
 * ansible.cfg / ANSIBLE_INVENTORY; ftl reads static ones itself, and has Ansible read them
 * all when one needs an inventory plugin.
 */
export function registerInventoryCommand(program: Command): void {
  program
    .command('inventory')
    .description('show an inventory as ftl reads it (the output of ansible-inventory)')
    .option('-i, --inventory <source>', 'inventory source (repeatable)', collect)
    .option('-e, --extra-vars <vars>', 'variables over every host\'s own, as ansible-inventory -e shows them (repeatable)', collect)
    .option('--list', 'every group and host with its variables, as JSON')
    .option('--graph [group]', 'the group tree')
    .option('--host <host>', "one host's variables, as JSON")
    .option('--vault-password-file <file>', 'file (or script) giving the vault password of encrypted vars files (repeatable)', collect)
    .addOption(new Option('--vault-pass-file <file>', 'the same as --vault-password-file').argParser(collect).hideHelp())
    .option('--vault-id <id>', 'a vault password with a label: LABEL@FILE, or FILE (repeatable)', collect)
    .option('--ask-vault-pass', 'ask for the vault password once, on the terminal')
    .addOption(new Option('--ask-vault-password', 'the same as --ask-vault-pass').hideHelp())
    .action(async (o: InventoryCliOptions) => {
      if (o.host === undefined && o.graph === undefined && o.list !== true) throw new UsageError('FTL_USAGE', 'ftl inventory needs --list, --graph [GROUP] or --host HOST');
      const ask = o.askVaultPass === true || o.askVaultPassword === true;
      const vaultPassword = ask ? await readHiddenFromTerminal('Vault password: ') : undefined;
      const extraVars = parseExtraVars(o.extraVars);
      const vaultPasswordFiles = [...(o.vaultPasswordFile ?? []), ...(o.vaultPassFile ?? [])];
      const warnings = new Warnings();
      const worker = new AnsibleWorker({ warnings });
      try {
        // Only encrypted vars files are decrypted: `!vault` values are shown as ansible-inventory shows them.
        const { inventory } = await loadProject(
          {
            ...(o.inventory === undefined ? {} : { inventory: o.inventory }),
            ...(extraVars === undefined ? {} : { extraVars }),
            ...(vaultPasswordFiles.length === 0 ? {} : { vaultPasswordFiles }),
            ...(o.vaultId === undefined ? {} : { vaultIds: o.vaultId }),
            ...(vaultPassword === undefined ? {} : { vaultPassword }),
          },
          worker,
          warnings,
          { decryptValues: false },
        );
        const inv = await inventory;
        if (o.host !== undefined) {
          if (!inv.hostNames.includes(o.host)) throw new UsageError('FTL_PATTERN_NO_MATCH', `no host '${o.host}' in the inventory`);
          process.stdout.write(`${pythonJson(inv.displayVarsOf(o.host))}\n`);
        } else if (o.graph !== undefined) {
          process.stdout.write(`${inv.toGraph(typeof o.graph === 'string' ? o.graph : 'all')}\n`);
        } else {
          process.stdout.write(`${pythonJson(inv.toAnsibleList())}\n`);
        }
      } finally {
        await worker.close();
      }
    });
}
