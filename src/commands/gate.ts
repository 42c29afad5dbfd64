import { copyFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ensureGate } from '../gate/pyz.js';
import { gatePayload } from '../hosts/gate-build.js';

export function registerGateCommand(program: Command): void {
  const gate = program.command('gate').description('the gate: the Python program ftl starts on each host');
  gate
    .command('build')
    .description('build the gate (.pyz) and print its path and hash')
    .option('-o, --out <file>', 'also copy the gate to FILE')
    .action(async (o: { out?: string }) => {
      const built = await ensureGate({ extra: await gatePayload() });
      if (o.out !== undefined) copyFileSync(built.path, o.out);
      process.stdout.write(`${o.out ?? built.path}\nhash ${built.hash} · ${built.size} bytes\n`);
    });
}
