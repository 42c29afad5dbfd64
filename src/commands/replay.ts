import type { Command } from 'commander';
import { automation } from '../run/automation.js';
import { coreOf } from '../run/ftl-object.js';
import { EXIT, exitCodeOf } from '../run/exit-codes.js';
import { readHiddenFromTerminal } from '../repl/hidden-input.js';
import { askUpFront } from '../base/up-front.js';
import { addCommonOptions, automationOptions, type CommonCliOptions } from './options.js';
import { prepareOutput, printResult, outputMode } from '../ui/output.js';

/** `ftl replay FILE -i INV`: the calls of a record again, resuming after the ones that succeeded. */
export function registerReplayCommand(program: Command): void {
  const cmd = program
    .command('replay')
    .description('run the calls recorded with --record (or .record) again, in order: a call is skipped on the hosts where it already succeeded, and the new outcomes are appended to FILE')
    .argument('<file>', 'the record file (JSON lines, one call each)');
  addCommonOptions(cmd);
  cmd.action(async (file: string, o: CommonCliOptions) => {
    const mode = outputMode(o.json === true, process.stdout, 'shell');
    prepareOutput(mode).catch(() => undefined);
    const options = automationOptions(o);
    const passwords = await askUpFront({ ...o, askVaultPass: options.askVaultPass === true }, (prompt) => readHiddenFromTerminal(prompt));
    // The replay appends to FILE itself; a --record of its own would record the same calls twice.
    const { record: _own, ...rest } = options;
    const ftl = await automation({ ...rest, ...passwords, confirm: options.confirm ?? false });
    let code: number = EXIT.ok;
    // Results print as each call ends, between the notes, in order.
    let printing = Promise.resolve();
    const print = (text: string): void => {
      printing = printing.then(() => {
        // With --json, notes go to stderr: stdout stays JSON lines.
        (mode.kind === 'json' ? process.stderr : process.stdout).write(`${text}\n`);
      });
    };
    try {
      const core = coreOf(ftl);
      core.onResult = (r) => {
        code = Math.max(code, exitCodeOf(r));
        printing = printing.then(() => printResult(r, mode));
      };
      const report = await ftl.replay(file, { onNote: print });
      await printing;
      const skipped = report.skipped.length;
      print(`replay of ${file}: ${String(report.calls)} call${report.calls === 1 ? '' : 's'}, ${String(report.ran.length)} run, ${String(skipped)} skipped${report.stoppedAt === undefined ? '' : `, stopped at call ${String(report.stoppedAt)}`}`);
      await printing;
      process.exitCode = report.stoppedAt === undefined ? EXIT.ok : Math.max(code, EXIT.failed);
    } finally {
      await ftl.close();
    }
  });
}
