/**
 * ansible.builtin.template: rendered here, by ftl's own Jinja2-compatible engine (no
 * Python on the controller), with the host's variables, then copied to the host as
 * copy does it (only when it differs; mode, owner, group, backup, validate, check, diff).
 *
 * Variables: the host's inventory variables, its facts gathered in this session (setup),
 * the call's own variables (the call option `vars`, as a task's `vars:`), and what
 * Ansible adds: inventory_hostname, group_names, groups, hostvars, ansible_managed,
 * template_path, template_fullpath, template_host, template_uid, template_mtime,
 * template_run_date, template_destpath.
 */
import { readFileSync, statSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { basename } from 'node:path';
import { UsageError } from '../base/errors.js';
import { compileTemplate, TemplateError, type CompiledTemplate } from '../jinja/index.js';
import { bool, str, without } from './args.js';
import { copyTree } from './copy.js';
import { findLocal } from './local-files.js';
import { failed } from './results.js';
import type { Action, Args } from './types.js';

const TEMPLATE_ONLY = [
  'newline_sequence', 'block_start_string', 'block_end_string', 'variable_start_string', 'variable_end_string',
  'comment_start_string', 'comment_end_string', 'trim_blocks', 'lstrip_blocks', 'output_encoding',
];

const NEWLINES: Record<string, string> = { '\n': '\n', '\r': '\r', '\r\n': '\r\n', '\\n': '\n', '\\r': '\r', '\\r\\n': '\r\n' };
const ENCODINGS: Record<string, BufferEncoding> = { 'utf-8': 'utf8', utf8: 'utf8', 'latin-1': 'latin1', latin1: 'latin1', 'iso-8859-1': 'latin1', ascii: 'ascii', 'us-ascii': 'ascii' };

/** Python's str(datetime): local time, microseconds when there are any. */
function pyDatetime(d: Date, micros = d.getMilliseconds() * 1000): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  const base = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
  return micros === 0 ? base : `${base}.${p(micros, 6)}`;
}

function ownerOf(uid: number): string {
  try {
    return uid === userInfo().uid ? userInfo().username : String(uid);
  } catch {
    return String(uid);
  }
}

/** What Ansible's generate_ansible_template_vars adds for this template. */
function templateFileVars(src: string, source: string, dest: string): Record<string, unknown> {
  const st = statSync(source);
  return {
    template_host: hostname(),
    template_path: src,
    template_mtime: pyDatetime(st.mtime, Math.round((st.mtimeMs % 1000) * 1000)),
    template_uid: ownerOf(st.uid),
    template_run_date: pyDatetime(new Date()),
    template_destpath: dest,
    template_fullpath: source,
    ansible_managed: 'Ansible managed',
  };
}

function compile(source: string, args: Args): CompiledTemplate {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(readFileSync(source));
  } catch {
    throw new UsageError('FTL_BAD_ARGS', `template ${source}: Template source files must be utf-8 encoded`);
  }
  const newline = NEWLINES[str(args, 'newline_sequence') ?? '\n'];
  if (newline === undefined) throw new UsageError('FTL_BAD_ARGS', 'newline_sequence needs to be one of: \\n, \\r or \\r\\n');
  const delim = (name: string, dflt: string): string => str(args, name) ?? dflt;
  try {
    return compileTemplate(text, {
      newlineSequence: newline,
      trimBlocks: bool(args, 'trim_blocks', true),
      lstripBlocks: bool(args, 'lstrip_blocks', false),
      blockStart: delim('block_start_string', '{%'),
      blockEnd: delim('block_end_string', '%}'),
      variableStart: delim('variable_start_string', '{{'),
      variableEnd: delim('variable_end_string', '}}'),
      commentStart: delim('comment_start_string', '{#'),
      commentEnd: delim('comment_end_string', '#}'),
    });
  } catch (e) {
    if (e instanceof TemplateError) throw new UsageError('FTL_TEMPLATE', `template ${source}: ${e.message}`, { cause: e });
    throw e;
  }
}

export const template: Action = {
  prepare(args) {
    const src = str(args, 'src');
    const dest = str(args, 'dest');
    if ('state' in args) throw new UsageError('FTL_BAD_ARGS', "'state' cannot be specified on a template");
    if (src === undefined || dest === undefined) throw new UsageError('FTL_BAD_ARGS', 'template needs src (a template here) and dest (the file on the host)', { hint: '.doc template' });
    const encoding = ENCODINGS[(str(args, 'output_encoding') ?? 'utf-8').toLowerCase()];
    if (encoding === undefined) throw new UsageError('FTL_BAD_ARGS', `template: output_encoding '${str(args, 'output_encoding') ?? ''}' is not one ftl writes; use utf-8, latin-1 or ascii`);
    const source = findLocal(src, 'templates', 'template');
    const tpl = compile(source, args);
    const copyArgs = { ...without(args, ...TEMPLATE_ONLY), mode: args.mode ?? null, follow: bool(args, 'follow', false) };
    const rel = basename(source);
    return async (ctx) => {
      let rendered: string;
      try {
        rendered = tpl.render({ ...ctx.templateVars(), ...templateFileVars(src, source, dest) });
      } catch (e) {
        if (e instanceof TemplateError) return failed(`${e.kind}: ${e.message}`, { changed: false });
        throw e;
      }
      const data = Buffer.from(rendered, encoding);
      return copyTree(ctx, copyArgs, source, { files: [[source, rel]], directories: [], symlinks: [] }, dest, [{ local: source, rel, data }]);
    };
  },
};
