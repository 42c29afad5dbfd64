/**
 * ansible.builtin.script: a script on the controller, copied to a temp directory on
 * the host and run there with its arguments (through /bin/sh, or `executable`), then
 * removed. creates/removes skip it as Ansible does; check mode runs it never.
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { UsageError } from '../base/errors.js';
import { shq } from '../base/shell.js';
import { str } from './args.js';
import { findLocal } from './local-files.js';
import { failed, linesOf, text } from './results.js';
import { makeTemp, putFile, removeTemp } from './transfer.js';
import type { Action, ActionContext } from './types.js';

/** The words of a command line as shlex.split reads them (quotes and backslashes). */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] ?? '';
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new UsageError('FTL_BAD_ARGS', `script: no closing quotation in: ${line}`);
      cur += line.slice(i + 1, end);
      i = end;
      inWord = true;
    } else if (c === '"') {
      i++;
      while (i < line.length && line[i] !== '"') {
        if (line[i] === '\\' && i + 1 < line.length && '\\"$`\n'.includes(line[i + 1] ?? '')) i++;
        cur += line[i] ?? '';
        i++;
      }
      if (i >= line.length) throw new UsageError('FTL_BAD_ARGS', `script: no closing quotation in: ${line}`);
      inWord = true;
    } else if (c === '\\' && i + 1 < line.length) {
      cur += line[++i] ?? '';
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

async function exists(ctx: ActionContext, path: string): Promise<boolean> {
  const o = await ctx.module('stat', { path, follow: true, get_checksum: false, get_mime: false, get_attributes: false }, { check: false, diff: false });
  return (o.result.stat as { exists?: boolean } | undefined)?.exists === true;
}

export const script: Action = {
  prepare(args) {
    const rawParams = (str(args, '_raw_params') ?? '').trim();
    const words = shellWords(rawParams);
    const first = words[0];
    if (first === undefined) throw new UsageError('FTL_BAD_ARGS', "script needs the path of a local script, e.g. script('setup.sh --fast')", { hint: '.doc script' });
    const chdir = str(args, 'chdir');
    if (chdir !== undefined && !chdir.startsWith('/')) throw new UsageError('FTL_BAD_ARGS', `chdir ${chdir} must be an absolute path for a Unix-aware remote node`);
    const source = findLocal(first, 'files', 'script');
    const body = readFileSync(source);
    const creates = str(args, 'creates');
    const removes = str(args, 'removes');
    const executable = str(args, 'executable');
    return async (ctx) => {
      if (creates !== undefined && creates !== '' && (await exists(ctx, creates))) {
        return { status: 'skipped', result: { skipped: true, changed: false, msg: `${creates} exists, matching creates option` } };
      }
      if (removes !== undefined && removes !== '' && !(await exists(ctx, removes))) {
        return { status: 'skipped', result: { skipped: true, changed: false, msg: `${removes} does not exist, matching removes option` } };
      }
      if (ctx.check) {
        // creates/removes say whether it would run; without them the script's effect is unknown.
        if ((creates ?? '') !== '' || (removes ?? '') !== '') return { status: 'changed', result: { changed: true } };
        return { status: 'skipped', result: { skipped: true, changed: false, msg: 'Check mode is not supported for this task.' } };
      }
      const tmp = await makeTemp(ctx);
      try {
        const remote = join(tmp, basename(source));
        await putFile(ctx, remote, body, 0o700);
        // As Ansible does: the script's path in the line as typed becomes the temp path, quoting kept.
        const line = rawParams.replace(first, remote);
        const cmd = `${chdir === undefined ? '' : `cd ${shq(chdir)} && `}${executable === undefined ? '' : `${executable} `}${line}`;
        const o = await ctx.module('command', { _raw_params: cmd, _uses_shell: true, strip_empty_ends: false }, { check: false, diff: false });
        const r = o.result;
        if (typeof r.rc !== 'number') return failed(text(r.msg) || 'the script could not be run', { changed: true });
        const stdout = text(r.stdout);
        const stderr = text(r.stderr);
        const result = { changed: true, rc: r.rc, stdout, stdout_lines: linesOf(stdout), stderr, stderr_lines: linesOf(stderr) };
        return r.rc === 0 ? { status: 'changed', result } : failed('non-zero return code', result);
      } finally {
        await removeTemp(ctx, tmp);
      }
    };
  },
};
