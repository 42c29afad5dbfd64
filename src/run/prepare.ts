import { UsageError } from '../base/errors.js';
import { actionFor, callTemplating, newSessionState, prepareAction, type SessionState } from '../actions/index.js';
import { hasTemplate } from '../base/templates.js';
import { callModule } from '../actions/module-call.js';
import type { ModuleIndex } from '../modules/index.js';
import { maskNoLog, noLogValues, validateArgs } from '../modules/validate.js';
import { refuseDecimalMode } from '../modules/mode.js';
import type { SecretValues } from '../base/secrets.js';
import type { GateProvider } from '../hosts/gates.js';
import type { PreparedCall } from './runner.js';
import { templatedCall } from './templated-args.js';

/** Modules that take free-form text (`command uptime`) besides k=v args. */
const FREE_FORM = new Set(['command', 'shell', 'raw', 'script', 'ansible.builtin.command', 'ansible.builtin.shell', 'ansible.builtin.raw', 'ansible.builtin.script']);

/** What to write in JavaScript instead of a controller-only action. */
const JS_INSTEAD: Record<string, string> = {
  debug: 'print with console.log(...)',
  assert: 'test with if (...) throw new Error(...)',
  fail: 'throw new Error(...)',
  set_fact: 'keep values in JavaScript variables',
  include_tasks: 'call a JavaScript function',
  import_tasks: 'call a JavaScript function',
  include_role: 'call a JavaScript function',
  import_role: 'call a JavaScript function',
  include_vars: 'read the file with fs and yaml',
  pause: 'await new Promise((r) => setTimeout(r, ms))',
  meta: 'use the REPL and JavaScript control flow',
  add_host: 'use ftl.addHost(name, vars, groups)',
  group_by: 'build a list of hosts in JavaScript and use ftl[list]',
  set_stats: 'keep values in JavaScript variables',
};

function argsObject(module: string, args: unknown): Record<string, unknown> {
  if (args === undefined || args === null) return {};
  if (typeof args === 'string') {
    if (!FREE_FORM.has(module)) {
      throw new UsageError('FTL_BAD_ARGS', `${module} takes an object of options, not a string`, { hint: `e.g. ftl.local.${module}({ ... }); .doc ${module} lists them` });
    }
    return { _raw_params: args };
  }
  // Objects typed in the REPL come from another realm: check the tag, not the prototype.
  if (typeof args !== 'object' || Object.prototype.toString.call(args) !== '[object Object]') {
    throw new UsageError('FTL_BAD_ARGS', `${module} takes an object of options such as { name: 'x' }`, { hint: `.doc ${module} lists them` });
  }
  return args as Record<string, unknown>;
}

function renameCmd(args: Record<string, unknown>): Record<string, unknown> {
  const { cmd, ...rest } = args;
  return { ...rest, _raw_params: cmd };
}

/** What controller-side actions need beyond check and diff (src/modules/actions). */
export interface ActionOptions {
  /** The session's facts cache and variables; without it, facts are cached for this call only. */
  session?: SessionState | undefined;
  /** The call's variables for templates (a task's `vars:`). */
  callVars?: Readonly<Record<string, unknown>> | undefined;
  /** setup: gather again instead of answering from the session's cache. */
  refresh?: boolean | undefined;
  /** The session's secrets, masked in the args shown. */
  known?: SecretValues | undefined;
  /** The call's hosts, and each one's gate key: templating asks the Ansible worker once for all of them. */
  hosts?: readonly string[] | undefined;
  gateKeyOf?: ((host: string) => string) | undefined;
  forks?: number | undefined;
  limit?: string | undefined;
  /** The args are templated already (for this host): do not template them again. */
  templated?: boolean | undefined;
}

/** Checks a module call on the controller, once, before any host is touched. */
export async function prepareCall(
  modules: ModuleIndex,
  gates: GateProvider,
  name: string,
  rawArgs: unknown,
  opts: { check: boolean; diff: boolean } & ActionOptions,
): Promise<PreparedCall> {
  const info = modules.resolve(name);
  if (info === undefined) {
    throw modules.notFound(name);
  }
  const action = actionFor(info, modules);
  if (info.kind === 'action' && action === undefined) {
    throw new UsageError('FTL_BAD_ARGS', `${info.fqcn} needs controller-side work (an Ansible action plugin) that ftl does not do yet`, {
      hint: 'use command, shell, copy with content, or run it with ansible',
    });
  }
  if (info.kind === 'controller-only') {
    const instead = JS_INSTEAD[info.shortName];
    throw new UsageError('FTL_BAD_ARGS', `${info.fqcn} is a playbook action that runs on the controller, not on hosts`, {
      hint: instead === undefined ? 'write it in JavaScript in the REPL or a script' : `in ftl, ${instead}`,
    });
  }
  const given = argsObject(info.shortName, rawArgs);
  // assemble's module does the remote_src (default) case; fragments on the controller need its action.
  if (info.fqcn === 'ansible.builtin.assemble' && ['false', 'no', 'off', '0'].includes(String(given.remote_src).toLowerCase())) {
    throw new UsageError('FTL_BAD_ARGS', 'assemble with remote_src: false (fragments on the controller) is not supported yet', { hint: 'put the fragments on the host (remote_src: true), or copy them there first with copy' });
  }
  // As Ansible's task parser does for free-form modules: cmd is the free-form text.
  const args = FREE_FORM.has(info.shortName) && typeof given.cmd === 'string' && !('_raw_params' in given) ? renameCmd(given) : given;
  const doc = await modules.doc(info.fqcn);
  const validated = doc === undefined ? { args, noLogKeys: [] } : validateArgs(doc, args);
  refuseDecimalMode(info.shortName, validated.args, doc);
  // Ansible's shell is an action over the command module with _uses_shell (shell.py is docs only).
  const isShell = info.fqcn === 'ansible.builtin.shell' && !info.native;
  const runs = isShell ? (modules.resolve('ansible.builtin.command') ?? info) : info;
  const checked = isShell ? { ...validated, args: { ...validated.args, _uses_shell: true } } : validated;
  const secrets = noLogValues(validated.args, checked.noLogKeys);
  const shownArgs = maskNoLog(validated.args, checked.noLogKeys, opts.known?.all() ?? []);
  // As a task's args: templated per host, then checked and run. The template action
  // templates its own args in the worker, with its rendering, in the same request.
  if (opts.templated !== true && info.shortName !== 'template' && hasTemplate(args)) {
    const session = opts.session ?? newSessionState();
    const templating = callTemplating({ ...opts, gates }, session);
    return templatedCall(info.fqcn, args, shownArgs, templating, (hostArgs) => prepareCall(modules, gates, name, hostArgs, { ...opts, session, templated: true }));
  }
  if (action !== undefined) return prepareAction(action, { ...opts, modules, gates, module: info.fqcn, args: checked.args, shownArgs, secrets });
  return {
    module: info.fqcn,
    shownArgs,
    secrets,
    async run(host, facts, become, run) {
      const gate = await gates.openUntil(host, facts, become, run.signal, run.timeoutMs);
      return callModule(gates, gate, runs, checked.args, { check: opts.check, diff: opts.diff, ...run }, modules);
    },
  };
}
