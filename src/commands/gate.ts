import { copyFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ensureGate } from '../gate/pyz.js';
import { gatePayload } from '../hosts/gate-build.js';
import { bakeModules, moduleList } from '../modules/bake.js';
import { ModuleIndex } from '../modules/index.js';
import { automation } from '../run/automation.js';
import { coreOf } from '../run/ftl-object.js';
import { EXIT } from '../run/exit-codes.js';
import { gateReportText, removePattern } from '../run/gate-lifecycle.js';
import { addCommonOptions, automationOptions, type CommonCliOptions } from './options.js';

export function registerGateCommand(program: Command): void {
  const gate = program.command('gate').description('the gate: the Python program ftl starts on each host');
  gate
    .command('build')
    .description('build the gate (.pyz) and print its path and hash')
    .option('-o, --out <file>', 'also copy the gate to FILE')
    .option('--modules <list>', 'bake these Ansible modules (and the module_utils they import) into the gate: lineinfile,community.general.ini_file')
    .action(async (o: { out?: string; modules?: string }) => {
      const baked = o.modules === undefined ? undefined : bakeModules(await ModuleIndex.load(), moduleList(o.modules));
      const built = await ensureGate({ extra: { ...(await gatePayload()), ...(baked?.files ?? {}) } });
      if (o.out !== undefined) copyFileSync(built.path, o.out);
      const with_ = baked === undefined || baked.modules.length === 0 ? '' : ` · baked: ${baked.modules.join(', ')}`;
      process.stdout.write(`${o.out ?? built.path}\nhash ${built.hash} · ${built.size} bytes${with_}\n`);
    });
  const remove = gate
    .command('remove')
    .description("decommission hosts: stop every gate of the login user there and remove ~/.ftl (gates, module cache)")
    .argument('<pattern>', 'the hosts (an Ansible host pattern; all for every host)');
  addCommonOptions(remove);
  remove.action(async (pattern: string, o: CommonCliOptions) => {
    const ftl = await automation(automationOptions(o));
    try {
      const report = await coreOf(ftl).removeGates(removePattern(pattern));
      process.stdout.write(`${gateReportText(report)}\n`);
      if (report.failed.length > 0) process.exitCode = EXIT.unreachable;
    } finally {
      await ftl.close();
    }
  });
}
