// @tier full: real sshd, Ansible or tmux (see scripts/run-tests.mjs)
/**
 * Replies that hold text which is not valid UTF-8 (file names, a command's output) reach
 * the controller at once, with the same code units Ansible's controller gets: lone
 * surrogates, which gateBytes turns back into the bytes on the host.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gateBytes } from '../../src/gate/text.js';
import { runAnsibleCalls } from '../helpers/ansible.js';
import { openModuleGate, type ModuleGate } from '../modules/module-gate.js';

const LATIN1_NAME = Buffer.concat([Buffer.from('caf'), Buffer.of(0xe9)]);

describe('replies with names that are not UTF-8', { timeout: 300_000 }, () => {
  let gate: ModuleGate;
  let dir: string;
  before(async () => {
    gate = await openModuleGate({ zygote: true });
    dir = mkdtempSync(join(tmpdir(), 'ftl-non-utf8-'));
    // fs takes a Buffer as a path: the name's bytes exactly.
    writeFileSync(Buffer.concat([Buffer.from(`${dir}/`), LATIN1_NAME]), 'x\n');
    symlinkSync(LATIN1_NAME, join(dir, 'link'));
  });
  after(async () => {
    await gate.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const native = async (module: string, args: Record<string, unknown>): Promise<Record<string, unknown>> => {
    const r = await gate.session.request('FTLModule', { module_name: module, module_args: args }, { timeoutMs: 60_000 });
    assert.equal(r.type, 'FTLModuleResult', JSON.stringify(r.data));
    return r.data.result as Record<string, unknown>;
  };

  it('find, stat of a link to it, and command ls answer at once with what ansible answers', async () => {
    const [find, stat, ls] = await runAnsibleCalls('localhost', [
      { module: 'find', args: { paths: dir } },
      { module: 'stat', args: { path: join(dir, 'link') } },
      { module: 'command', args: { argv: ['ls', dir] } },
    ]);
    const oursFind = await gate.call('find', { paths: dir }, { timeoutMs: 60_000 });
    const paths = (r: Record<string, unknown> | undefined): string[] => ((r?.files ?? []) as { path: string }[]).map((f) => f.path).sort();
    assert.deepEqual(paths(oursFind), paths(find));
    const named = paths(oursFind).find((p) => !p.endsWith('/link'));
    assert.ok(named !== undefined);
    assert.deepEqual(gateBytes(named), Buffer.concat([Buffer.from(`${dir}/`), LATIN1_NAME]), 'the lone surrogate stands for the byte on disk');

    const oursStat = (await native('stat', { path: join(dir, 'link') })).stat as Record<string, unknown>;
    const theirStat = stat?.stat as Record<string, unknown>;
    assert.equal(oursStat.lnk_source, theirStat.lnk_source);
    assert.equal(oursStat.lnk_target, theirStat.lnk_target);
    assert.deepEqual(gateBytes(oursStat.lnk_target as string), LATIN1_NAME);

    const oursLs = await native('command', { argv: ['ls', dir] });
    assert.equal(oursLs.stdout, ls?.stdout);
    assert.deepEqual(oursLs.stdout_lines, ls?.stdout_lines);
  });
});
