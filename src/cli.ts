import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { describeError } from './errors.js';

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export async function main(argv: string[]): Promise<void> {
  const program = new Command();
  program.name('ftl').description('Run Ansible modules on fleets of hosts through persistent gates').version(packageVersion());
  try {
    await program.parseAsync(argv);
  } catch (e) {
    console.error(`ftl: ${describeError(e)}`);
    process.exitCode = 1;
  }
}
