import type { Command } from 'commander';
import { UsageError } from '../base/errors.js';
import { Warnings } from '../base/warnings.js';
import { AnsibleWorker } from '../hosts/ansible-worker.js';
import { loadProject } from '../run/project.js';
import { parseExtraVars } from './extra-vars.js';
import { collect } from './options.js';

/**
 * JSON as Python's json.dumps writes it, which ansible-inventory uses: infinities and NaN
 * (YAML's .inf and .nan) come out as Infinity and NaN, not as null.
 */
export function pythonJson(value: unknown): string {
  const mark = `@@ftl-nonfinite-${String(process.pid)}@@`;
  const text = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? `${mark}${String(v)}` : v), 4);
  return text.replace(new RegExp(`"${mark}(-?Infinity|NaN)"`, 'g'), '$1');
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
    .action(async (o: { inventory?: string[]; extraVars?: string[]; list?: boolean; graph?: string | boolean; host?: string }) => {
      const warnings = new Warnings();
      const worker = new AnsibleWorker({ warnings });
      const extraVars = parseExtraVars(o.extraVars);
      const inv = await loadProject({ ...(o.inventory === undefined ? {} : { inventory: o.inventory }), ...(extraVars === undefined ? {} : { extraVars }) }, worker, warnings)
        .then((p) => p.inventory)
        .finally(() => worker.close());
      if (o.host !== undefined) {
        const h = inv.host(o.host);
        if (h === undefined) throw new UsageError('FTL_PATTERN_NO_MATCH', `no host '${o.host}' in the inventory`);
        process.stdout.write(`${pythonJson(h.vars)}\n`);
      } else if (o.graph !== undefined) {
        process.stdout.write(`${inv.toGraph(typeof o.graph === 'string' ? o.graph : 'all')}\n`);
      } else if (o.list === true) {
        process.stdout.write(`${pythonJson(inv.toAnsibleList())}\n`);
      } else {
        throw new UsageError('FTL_USAGE', 'ftl inventory needs --list, --graph [GROUP] or --host HOST');
      }
    });
}
