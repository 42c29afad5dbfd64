/**
 * ansible.builtin.template: rendered by Ansible's own template action in the controller's
 * Ansible worker (python/ftl_ansible), for every host of the call in one request, then
 * copied to each host as copy does it (only when it differs; mode, owner, group, backup,
 * validate, check, diff).
 *
 * Everything the action does before it copies is Ansible's: the args templated per host,
 * the template found in ./templates then ., the `#jinja2:` header, newline_sequence,
 * the delimiter, trim_blocks, lstrip_blocks and output_encoding options, the variables
 * (inventory, facts gathered in this session, the call's `vars`, magic variables, hostvars,
 * template_* and ansible_managed), filters, tests, lookups, includes, and its error messages.
 */
import { basename } from 'node:path';
import { UsageError } from '../base/errors.js';
import { mayBeTemplate } from '../base/templates.js';
import { isFailure } from '../hosts/ansible-worker.js';
import { str, without } from './args.js';
import { copyTree } from './copy.js';
import { findLocal } from './local-files.js';
import type { Action } from './types.js';

export const template: Action = {
  prepare(args) {
    const src = str(args, 'src');
    const dest = str(args, 'dest');
    if ('state' in args) throw new UsageError('FTL_BAD_ARGS', "'state' cannot be specified on a template");
    if (src === undefined || dest === undefined) throw new UsageError('FTL_BAD_ARGS', 'template needs src (a template here) and dest (the file on the host)', { hint: '.doc template' });
    // A missing template is the caller's mistake, said once before any host is touched.
    // The worker finds the file itself, as Ansible's action does; this only checks it is there.
    if (!mayBeTemplate(src)) findLocal(src, 'templates', 'template');
    return async (ctx) => {
      const r = await ctx.templating.renderTemplate(args, ctx.host, ctx);
      if (isFailure(r)) return { status: 'failed', result: { ...without(r, 'error_type'), failed: true, msg: r.msg } };
      const copyDest = str(r.copyArgs, 'dest') ?? dest;
      const rel = basename(r.source);
      const copyArgs = { ...without(r.copyArgs, 'src', 'dest'), mode: r.copyArgs.mode ?? null };
      return copyTree(ctx, copyArgs, r.source, { files: [[r.source, rel]], directories: [], symlinks: [] }, copyDest, [{ local: r.source, rel, data: r.data }]);
    };
  },
};
