/**
 * `{{ }}` in a call's args, templated as Ansible templates a task's args: for each host,
 * with the variables that host sees, by Ansible's own code in the controller's worker
 * (one request for all the call's hosts; `omit` drops an option; errors worded as
 * Ansible words them). Hosts whose args come out the same share one prepared call.
 */
import type { CallTemplating } from '../actions/vars.js';
import { isFailure } from '../hosts/ansible-worker.js';
import type { PreparedCall } from '../base/types.js';

export function templatedCall(
  module: string,
  args: Readonly<Record<string, unknown>>,
  shownArgs: Record<string, unknown>,
  templating: CallTemplating,
  prepare: (args: Record<string, unknown>) => Promise<PreparedCall>,
): PreparedCall {
  const prepared = new Map<string, Promise<PreparedCall>>();
  return {
    module,
    shownArgs,
    async run(host, facts, become, opts) {
      const r = await templating.template(args, host, opts, module);
      if (isFailure(r)) return { status: 'failed', result: { failed: true, msg: r.msg } };
      const hostArgs = r.value as Record<string, unknown>;
      const key = JSON.stringify(hostArgs);
      let call = prepared.get(key);
      if (call === undefined) {
        call = prepare(hostArgs);
        prepared.set(key, call);
      }
      return (await call).run(host, facts, become, opts);
    },
  };
}
