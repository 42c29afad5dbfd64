import { prefetchGates } from '../hosts/gates.js';
import type { Command } from 'commander';
import { UsageError } from '../base/errors.js';
import { automation } from '../run/automation.js';
import { exitCodeOf } from '../run/exit-codes.js';
import type { RolloutOptions } from '../run/batches.js';
import { confirmText, type ConfirmRequest } from '../run/guard.js';
import { readHiddenFromTerminal } from '../repl/hidden-input.js';
import { ProgressLine } from '../repl/progress-line.js';
import { cliModuleArgs, isFreeFormModule } from './kv.js';
import { askUpFront } from '../base/up-front.js';
import { addCommonOptions, automationOptions, type CommonCliOptions } from './options.js';
import { prepareOutput, printResult, outputMode } from '../ui/output.js';

export { parseExtraVars } from './extra-vars.js';

interface RunCliOptions extends CommonCliOptions {
  moduleName?: string;
  moduleArgs?: string;
  args?: string;
  canary?: string;
  maxFail?: string;
  failFast?: boolean;
  serial?: string;
}

function wholeNumber(name: string, v: string | undefined, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || n < min || n > max) throw new UsageError('FTL_USAGE', `${name} must be a whole number from ${String(min)} to ${String(max)}, not '${v}'`);
  return n;
}

/** --canary, --max-fail, --fail-fast and --serial as call options. */
function rolloutOptions(o: RunCliOptions): RolloutOptions {
  const canary = wholeNumber('--canary', o.canary, 1, Number.MAX_SAFE_INTEGER);
  const maxFailPercent = wholeNumber('--max-fail', o.maxFail, 0, 99);
  const serial = o.serial === undefined ? undefined : /^\d+$/.test(o.serial.trim()) ? Number(o.serial) : o.serial;
  return {
    ...(canary === undefined ? {} : { canary }),
    ...(maxFailPercent === undefined ? {} : { maxFailPercent }),
    ...(o.failFast === true ? { failFast: true } : {}),
    ...(serial === undefined ? {} : { serial }),
  };
}

const EXAMPLES = `
Module args, as ansible takes them:
  ftl run web -m ping
  ftl run web -a 'uptime'                               # -m command is the default, as in ansible
  ftl run web -m shell -a 'df -h | grep /var' -u deploy
  ftl run web -m copy -a 'src=app.conf dest="/etc/app dir/app.conf" mode=0644' -b
  ftl run web -m apt -a '{"name": ["nginx", "curl"], "state": "present"}' -b --become-user root
  ftl run db -m command -a 'id -un' -b --become-method su -K
  ftl run all -i inventory.yml -m template -a 'src=nginx.conf.j2 dest=/etc/nginx/nginx.conf' -e @vars.yml -e port=8080
  ftl run db -m copy -a 'content="{{ db_password }}" dest=/etc/app/db.pw mode=0600' --vault-password-file ~/.vault-pass
The positional form works too (one shell word per k=v):
  ftl run localhost ping
  ftl run localhost command cmd=uptime --json
  ftl run -i lab/inventory.yml lab stat path=/etc/hostname

-e (repeatable, later wins) is over every other variable, the inventory's connection ones too
(-e ansible_user=admin); -u, --private-key, -c, --become-user and --become-method only fill in
what a host's inventory leaves out. -c takes ssh or local; --become-method sudo or su.
Safety: --policy FILE|DIR (FTL2's rules; deny or confirm), --yes to go on where a rule asks,
--canary N, --max-fail P, --fail-fast, --serial N|P%; every call is appended to ~/.ftl/audit (ftl audit).
Exit codes: 0 all ok, 2 some host failed, 4 some host unreachable, 5 refused by policy or not confirmed
(nothing touched), 130 interrupted, 1 usage or internal error.
`;

/** Which module, and the words that are its args, from -m and the positional form. */
function moduleAndWords(first: string | undefined, rest: readonly string[], o: RunCliOptions): { module: string; words: string[] } {
  if (o.moduleName !== undefined) {
    if (o.moduleName.trim() === '') throw new UsageError('FTL_USAGE', '-m needs a module name, not an empty one', { hint: 'e.g. -m ping, -m command, -m community.general.ini_file' });
    return { module: o.moduleName, words: first === undefined ? [...rest] : [first, ...rest] };
  }
  if (first !== undefined) {
    if (first.trim() === '') throw new UsageError('FTL_USAGE', 'the module name is empty', { hint: 'e.g. ftl run web ping, or -m ping' });
    return { module: first, words: [...rest] };
  }
  // As ansible: without -m the module is command, and -a is its command line.
  if (o.moduleArgs === undefined && o.args === undefined) {
    throw new UsageError('FTL_USAGE', 'ftl run needs a module (-m MODULE) or a command (-a CMD)', { hint: "e.g. ftl run web -m ping, or ftl run web -a 'uptime'" });
  }
  return { module: 'command', words: [] };
}

async function askOnTerminal(req: ConfirmRequest): Promise<boolean> {
  process.stderr.write(`${confirmText(req)}\n`);
  const n = String(req.hosts.length);
  const answer = await readHiddenFromTerminal(`  type ${n} to run it on ${n} hosts; anything else cancels: `, { echo: true }).catch(() => '');
  return answer.trim() === n;
}

export function registerRunCommand(program: Command): void {
  const cmd = program
    .command('run')
    .description('run one module on the hosts a pattern matches, print the results, and exit (as ansible PATTERN -m MODULE -a ARGS)')
    .argument('<pattern>', "host pattern, e.g. localhost, web, 'web:&prod'")
    .argument('[module]', 'module name or FQCN, e.g. ping, command, community.general.ini_file (or use -m)')
    .argument('[args...]', 'module args as key=value words; other words are free-form (command uptime)')
    .option('-m, --module-name <module>', 'module name or FQCN (default command, as in ansible)')
    .option('-a, --module-args <args>', "module args as ansible reads them: 'k=v k2=\"v 2\"', free-form text, or a JSON object")
    .option('--args <json>', 'module args as a JSON object (key=value text is read as -a reads it)')
    .option('--canary <n>', 'run on the first N hosts (inventory order) first; the rest only if none of them failed')
    .option('--max-fail <percent>', 'stop starting new hosts once more than this % of them failed (the rest: skipped)')
    .option('--fail-fast', 'stop starting new hosts at the first failure (the rest: skipped)')
    .option('--serial <n|p%>', "hosts in batches of N (or P% of them), one batch after another, as Ansible's serial");
  addCommonOptions(cmd);
  cmd.addHelpText('after', EXAMPLES);
  cmd.action(async (pattern: string, first: string | undefined, rest: string[], o: RunCliOptions) => {
    const { module, words } = moduleAndWords(first, rest, o);
    const rollout = rolloutOptions(o);
    const args = cliModuleArgs(module, { json: o.args, moduleArgs: o.moduleArgs, words });
    if (isFreeFormModule(module) && Object.keys(args).length === 0) {
      throw new UsageError('FTL_USAGE', `no argument passed to the ${module} module`, { hint: `e.g. ftl run ${pattern} -m ${module} -a 'uptime'` });
    }
    // Hints in the output must work where it is read: the shell (--json), not the REPL (.show).
    const mode = outputMode(o.json === true, process.stdout, 'shell');
    // The table renderer (Ink) loads while the hosts are reached; a pipe or --json never loads it.
    prepareOutput(mode).catch(() => undefined);
    prefetchGates();
    const options = automationOptions(o);
    // Asked on the terminal even when stdin is a pipe; never taken from the command line.
    const passwords = await askUpFront({ ...o, askVaultPass: options.askVaultPass === true }, (prompt) => readHiddenFromTerminal(prompt));
    // At a terminal, a call that needs a confirmation asks there (the host count typed back); in a pipe it is refused without --yes.
    const confirm = options.confirm ?? (process.stdin.isTTY ? askOnTerminal : false);
    const ftl = await automation({ ...options, ...passwords, confirm });
    const abort = new AbortController();
    const onSigint = (): void => {
      abort.abort();
    };
    process.once('SIGINT', onSigint);
    // A live line on the terminal (stderr: the results on stdout stay clean for a pipe).
    const progress = process.stderr.isTTY ? new ProgressLine(process.stderr) : undefined;
    try {
      const result = await ftl.run(pattern, module, args, {
        ...rollout,
        signal: abort.signal,
        ...(progress === undefined
          ? {}
          : {
              onProgress: (p) => {
                progress.update(p);
              },
            }),
      });
      progress?.clear();
      await printResult(result, mode);
      process.exitCode = exitCodeOf(result);
    } finally {
      progress?.clear();
      process.removeListener('SIGINT', onSigint);
      await ftl.close();
    }
  });
}
