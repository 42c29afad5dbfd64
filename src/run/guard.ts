/**
 * The question before a call that needs one: a policy `confirm` rule, or the blast-radius
 * guard (a changing call on more hosts than the session's threshold). Who answers is the
 * caller's: the REPL asks the person at the terminal; a script has --yes
 * (library: confirm: true) or is refused; nothing is touched until the answer is yes.
 */
import { PolicyError } from '../base/errors.js';
import { foldHosts } from '../base/hostset.js';
import type { RunResult } from './result.js';

export interface ConfirmRequest {
  readonly module: string;
  readonly pattern: string;
  readonly hosts: readonly string[];
  /** Why it is asked: the rule and its reason, or the guard's threshold. */
  readonly why: string;
  /** Runs the same call in check mode and returns its result (offered when the module has a check mode). */
  readonly preview?: (() => Promise<RunResult>) | undefined;
}

/** Answers a confirmation: true goes on; false cancels. */
export type ConfirmFn = (req: ConfirmRequest) => Promise<boolean>;

/** How a session answers: `true` (--yes) always goes on, a function asks, `false` refuses. */
export type ConfirmPolicy = boolean | ConfirmFn;

/**
 * Modules whose check mode shows nothing useful (they skip or run regardless): no preview
 * is offered for them.
 */
const NO_PREVIEW = new Set(['command', 'shell', 'raw', 'script', 'reboot', 'wait_for_connection', 'expect']);

export function offersPreview(module: string): boolean {
  const short = module.startsWith('ansible.builtin.') ? module.slice('ansible.builtin.'.length) : module;
  return !NO_PREVIEW.has(short);
}

/** The question as the REPL prints it, before the answer is typed. */
export function confirmText(req: ConfirmRequest): string {
  const n = req.hosts.length;
  return `⚠ ${req.module} on ${String(n)} host${n === 1 ? '' : 's'}: ${foldHosts(req.hosts)}\n  ${req.why}`;
}

/** Resolves when the call may go on; throws a PolicyError (nothing touched) when it may not. */
export async function confirmOrRefuse(policy: ConfirmPolicy, req: ConfirmRequest, rule: string | undefined, reason: string | undefined): Promise<'confirmed'> {
  if (policy === true) return 'confirmed';
  const what = `${req.module} on ${String(req.hosts.length)} host${req.hosts.length === 1 ? '' : 's'} (${foldHosts(req.hosts)})`;
  if (policy === false) {
    throw new PolicyError('FTL_CONFIRM_REFUSED', `${what} needs a confirmation: ${req.why}; nothing was run`, rule, reason);
  }
  const yes = await policy(req);
  if (!yes) throw new PolicyError('FTL_CONFIRM_DECLINED', `${what} not confirmed; nothing was run`, rule, reason);
  return 'confirmed';
}
