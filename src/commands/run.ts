import type { Command } from 'commander';
import { automation } from '../run/automation.js';
import type { RunResult } from '../run/result.js';
import { parseKvArgs } from './kv.js';
import { addCommonOptions, automationOptions, type CommonCliOptions } from './options.js';
import { loadTableRenderer, printResult, outputMode } from './output.js';

/** Exit codes of a call, as Ansible's ad-hoc command uses them. */
export const EXIT = { ok: 0, usage: 1, failed: 2, unreachable: 4, interrupted: 130 } as const;

export function exitCodeOf(r: RunResult): number {
  if (r.cancelled.length > 0) return EXIT.interrupted;
  if (r.failed.length > 0) return EXIT.failed;
  if (r.unreachable.length > 0) return EXIT.unreachable;
  return EXIT.ok;
}

interface RunCliOptions extends CommonCliOptions {
  args?: string;
}

export function registerRunCommand(program: Command): void {
  const cmd = program
    .command('run')
    .description('run one module on the hosts a pattern matches, print the results, and exit')
    .argument('<pattern>', "host pattern, e.g. localhost, web, 'web:&prod'")
    .argument('<module>', 'module name or FQCN, e.g. ping, command, community.general.ini_file')
    .argument('[args...]', 'module args as key=value words; other words are free-form (command uptime)')
    .option('-a, --args <json>', 'module args as a JSON object (key=value words override it)');
  addCommonOptions(cmd);
  cmd.addHelpText(
    'after',
    '\nExit codes: 0 all ok, 2 some host failed, 4 some host unreachable, 130 interrupted, 1 usage or internal error.\n' +
      "Examples:\n  ftl run localhost ping\n  ftl run localhost command cmd=uptime --json\n  ftl run -i lab/inventory.yml lab stat path=/etc/hostname\n",
  );
  cmd.action(async (pattern: string, module: string, words: string[], o: RunCliOptions) => {
    const args = parseKvArgs(words, o.args);
    const mode = outputMode(o.json === true, process.stdout);
    // The table renderer loads while the hosts are reached; a pipe or --json never loads it.
    const renderer = mode.kind === 'table' ? loadTableRenderer() : Promise.resolve();
    renderer.catch(() => undefined);
    const ftl = await automation(automationOptions(o));
    const abort = new AbortController();
    const onSigint = (): void => {
      abort.abort();
    };
    process.once('SIGINT', onSigint);
    try {
      const result = await ftl.run(pattern, module, args, { signal: abort.signal });
      await renderer;
      printResult(result, mode);
      process.exitCode = exitCodeOf(result);
    } finally {
      process.removeListener('SIGINT', onSigint);
      await ftl.close();
    }
  });
}
