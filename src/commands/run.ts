import type { Command } from 'commander';
import { UsageError } from '../base/errors.js';
import { automation } from '../run/automation.js';
import { exitCodeOf } from '../run/exit-codes.js';
import { readHiddenFromTerminal } from '../repl/hidden-input.js';
import { parseKvArgs } from './kv.js';
import { askUpFront } from '../base/up-front.js';
import { addCommonOptions, automationOptions, type CommonCliOptions } from './options.js';
import { prepareOutput, printResult, outputMode } from '../ui/output.js';

interface RunCliOptions extends CommonCliOptions {
  args?: string;
  extraVars?: string[];
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** -e values: a JSON object or key=value words, later ones winning, as ansible's --extra-vars. */
export function parseExtraVars(values: readonly string[] | undefined): Record<string, unknown> | undefined {
  if (values === undefined) return undefined;
  const out: Record<string, unknown> = {};
  for (const v of values) {
    if (v.trim().startsWith('{')) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(v);
      } catch (e) {
        throw new UsageError('FTL_USAGE', `-e is not valid JSON: ${(e as Error).message}`, { hint: `e.g. -e '{"port": 8080}' or -e port=8080` });
      }
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new UsageError('FTL_USAGE', '-e JSON must be an object', { hint: `e.g. -e '{"port": 8080}'` });
      Object.assign(out, parsed);
      continue;
    }
    const words = parseKvArgs(v.split(/\s+/).filter((w) => w !== ''), undefined);
    if ('_raw_params' in words) throw new UsageError('FTL_USAGE', `-e takes key=value words or a JSON object, not '${String(words._raw_params)}'`);
    Object.assign(out, words);
  }
  return out;
}

export function registerRunCommand(program: Command): void {
  const cmd = program
    .command('run')
    .description('run one module on the hosts a pattern matches, print the results, and exit')
    .argument('<pattern>', "host pattern, e.g. localhost, web, 'web:&prod'")
    .argument('<module>', 'module name or FQCN, e.g. ping, command, community.general.ini_file')
    .argument('[args...]', 'module args as key=value words; other words are free-form (command uptime)')
    .option('-a, --args <json>', 'module args as a JSON object (key=value words override it)')
    .option('-e, --extra-vars <vars>', 'variables for templates: key=value words or a JSON object (repeatable)', collect);
  addCommonOptions(cmd);
  cmd.addHelpText(
    'after',
    '\nExit codes: 0 all ok, 2 some host failed, 4 some host unreachable, 130 interrupted, 1 usage or internal error.\n' +
      "Examples:\n  ftl run localhost ping\n  ftl run localhost command cmd=uptime --json\n  ftl run -i lab/inventory.yml lab stat path=/etc/hostname\n" +
      '  ftl run -i inv.yml web template src=nginx.conf.j2 dest=/etc/nginx/nginx.conf -e port=8080\n',
  );
  cmd.action(async (pattern: string, module: string, words: string[], o: RunCliOptions) => {
    const args = parseKvArgs(words, o.args);
    const vars = parseExtraVars(o.extraVars);
    const mode = outputMode(o.json === true, process.stdout);
    // The table renderer (Ink) loads while the hosts are reached; a pipe or --json never loads it.
    prepareOutput(mode).catch(() => undefined);
    const options = automationOptions(o);
    // Asked on the terminal even when stdin is a pipe; never taken from the command line.
    const passwords = await askUpFront(o, (prompt) => readHiddenFromTerminal(prompt));
    const ftl = await automation({ ...options, ...passwords });
    const abort = new AbortController();
    const onSigint = (): void => {
      abort.abort();
    };
    process.once('SIGINT', onSigint);
    try {
      const result = await ftl.run(pattern, module, args, { signal: abort.signal, ...(vars === undefined ? {} : { vars }) });
      await printResult(result, mode);
      process.exitCode = exitCodeOf(result);
    } finally {
      process.removeListener('SIGINT', onSigint);
      await ftl.close();
    }
  });
}
