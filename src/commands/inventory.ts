import type { Command } from 'commander';
import { UsageError } from '../base/errors.js';
import { Inventory } from '../inventory/index.js';

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** `ftl inventory`: what ansible-inventory prints, from ftl's own reading of the sources. */
export function registerInventoryCommand(program: Command): void {
  program
    .command('inventory')
    .description('show an inventory as ftl reads it (the output of ansible-inventory)')
    .option('-i, --inventory <source>', 'inventory source (repeatable)', collect)
    .option('--list', 'every group and host with its variables, as JSON')
    .option('--graph [group]', 'the group tree')
    .option('--host <host>', "one host's variables, as JSON")
    .action(async (o: { inventory?: string[]; list?: boolean; graph?: string | boolean; host?: string }) => {
      const inv = await Inventory.load(o.inventory ?? []);
      if (o.host !== undefined) {
        const h = inv.host(o.host);
        if (h === undefined) throw new UsageError('FTL_PATTERN_NO_MATCH', `no host '${o.host}' in the inventory`);
        process.stdout.write(`${JSON.stringify(h.vars, null, 4)}\n`);
      } else if (o.graph !== undefined) {
        process.stdout.write(`${inv.toGraph(typeof o.graph === 'string' ? o.graph : 'all')}\n`);
      } else if (o.list === true) {
        process.stdout.write(`${JSON.stringify(inv.toAnsibleList(), null, 4)}\n`);
      } else {
        throw new UsageError('FTL_USAGE', 'ftl inventory needs --list, --graph [GROUP] or --host HOST');
      }
    });
}
