import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PassThrough } from 'node:stream';
import { CoreCompletionSource } from '../../src/repl/completion-source.js';
import type { DotContext } from '../../src/repl/dot-commands.js';
import { dotKeyword, dotTypoError, suggestDotCommands } from '../../src/repl/dot-typo.js';
import { startAsyncRepl } from '../../src/repl/async-repl.js';
import type { FtlCore } from '../../src/run/core.js';
import type { UsageError } from '../../src/base/errors.js';

describe('dot-command typos', () => {
  it('a mistyped command gets the nearest real ones', () => {
    const e = dotTypoError('hepl', ['help', 'hosts', 'groups', 'doc']);
    assert.equal(e.code, 'FTL_USAGE');
    assert.equal(e.oneLine(), 'no command .hepl; did you mean .help? (.help lists the commands)');
    assert.equal(dotTypoError('zzzzzz', ['help']).message, 'no command .zzzzzz');
  });

  it('reads the keyword the way node:repl does: not .. nor a number', () => {
    assert.equal(dotKeyword('  .hepl me'), 'hepl');
    assert.equal(dotKeyword('.5 + 1'), undefined);
    assert.equal(dotKeyword('..'), undefined);
    assert.equal(dotKeyword('x.y'), undefined);
  });

  it('in a real node:repl: said instead of "Invalid REPL keyword"; a leading dot inside unfinished code is code', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    let text = '';
    output.on('data', (b: Buffer) => (text += b.toString('utf8')));
    const reported: UsageError[] = [];
    const srv = startAsyncRepl({ input, output, terminal: false, prompt: '> ', onInterrupt: () => undefined }).server;
    suggestDotCommands(srv, (e) => reported.push(e));
    input.write('.hepl\n');
    input.write('.hepl\n');
    // Inside unfinished code a leading dot continues it: (['a', 'b', 'c']\n.length) is 3.
    input.write("(['a', 'b', 'c']\n.length)\n");
    await new Promise((r) => setTimeout(r, 200));
    srv.close();
    assert.deepEqual(
      reported.map((e) => e.message),
      ['no command .hepl; did you mean .help?', 'no command .hepl; did you mean .help?'],
    );
    assert.doesNotMatch(text, /Invalid REPL keyword/);
    assert.ok(!('hepl' in srv.commands), 'the one-time command is gone');
    assert.match(text, /\b3\b/);
  });
});

describe('completion offers only what runs, and what a target has', () => {
  it('leaves out playbook actions and modules whose action ftl lacks', () => {
    const kinds: Record<string, string> = { ping: 'module', debug: 'controller-only', set_fact: 'controller-only', assert: 'controller-only', unarchive: 'action', copy: 'module', 'ansible.builtin.debug': 'controller-only', 'ansible.builtin.copy': 'module' };
    const core = { modules: { names: () => Object.keys(kinds), resolve: (n: string) => (n in kinds ? { kind: kinds[n] } : undefined) } } as unknown as FtlCore;
    const source = new CoreCompletionSource(core, {} as DotContext);
    assert.deepEqual(source.moduleNames([]).sort(), ['ansible', 'copy', 'hosts', 'metrics', 'pattern', 'ping', 'watch']);
    assert.deepEqual(source.moduleNames(['ansible', 'builtin']), ['copy'], "a target's members only right after the target");
  });
});
