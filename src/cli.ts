import { Command, CommanderError } from 'commander';
import { forTheShell, registerDocCommand } from './commands/doc.js';
import { registerGateCommand } from './commands/gate.js';
import { registerInventoryCommand } from './commands/inventory.js';
import { registerLabCommand } from './commands/lab.js';
import { addCommonOptions, automationOptions, passParentOptions, type CommonCliOptions } from './commands/options.js';
import { registerRunCommand } from './commands/run.js';
import { registerStateCommand } from './commands/state.js';
import { FtlError, describeError } from './base/errors.js';
import { runRepl } from './repl/start.js';
import { packageVersion } from './base/version.js';
import { exitCodeOfError } from './run/exit-codes.js';
import { registerAuditCommand } from './commands/audit.js';
import { registerWorkerCommand } from './commands/worker.js';
import { registerReplayCommand } from './commands/replay.js';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('ftl')
    .description('Run Ansible modules on fleets of hosts through persistent gates.\nWith no command: the REPL (localhost only without -i).')
    .version(packageVersion())
    .showSuggestionAfterError(true)
    .enablePositionalOptions();
  addCommonOptions(program);
  // `ftl -i inv run web ping`: what was typed before the subcommand reaches it (or is refused, saying where it goes).
  program.hook('preAction', (_self, action) => {
    if (action !== program) passParentOptions(program, action);
  });
  program.action(async (o: CommonCliOptions) => {
    process.exitCode = await runRepl({ ...automationOptions(o), json: o.json === true, askPass: o.askPass === true, askBecomePass: o.askBecomePass === true });
  });
  registerRunCommand(program);
  registerInventoryCommand(program);
  registerGateCommand(program);
  registerLabCommand(program);
  registerStateCommand(program);
  registerDocCommand(program);
  registerAuditCommand(program);
  registerWorkerCommand(program);
  registerReplayCommand(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  program.exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // commander already printed its message (or the help/version).
      process.exitCode = e.exitCode;
      return;
    }
    // Hints are written for the REPL's prompt; here they must work in the shell.
    console.error(`ftl: ${forTheShell(e instanceof FtlError ? e.oneLine() : describeError(e))}`);
    // A call refused before any host was touched (policy, no confirmation) is 5, as ftl run documents.
    process.exitCode = exitCodeOfError(e);
  }
}
