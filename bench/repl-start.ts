/**
 * The REPL's start-up alone (bench/repl.ts's figures, without the rest of `npm run bench`):
 *   node --import tsx bench/repl-start.ts [--runs N] [--bin path/to/bin/ftl.js]
 * --bin measures another build (a worktree of the commit before) for a before/after.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { benchReplStartup } from './repl.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '10' }, bin: { type: 'string' } } });
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`repl-start: --runs must be a whole number of at least 1, not '${values.runs}'`);
  process.exit(1);
}
await benchReplStartup((line) => {
  console.log(line);
}, { runs, ...(values.bin === undefined ? {} : { bin: resolve(values.bin) }) });
