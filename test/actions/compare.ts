/**
 * Side by side: the same calls through `ansible-playbook` (the oracle) and through ftl,
 * each run starting from the same state, results compared after normalising.
 */
import assert from 'node:assert/strict';
import type { Ftl } from '../../src/run/automation.js';
import { normalise, runAnsibleCalls, runAnsiblePlays, type AnsibleCall, type AnsibleResult, type NormaliseOptions } from '../helpers/ansible.js';

export interface ActionStep extends AnsibleCall {
  label: string;
  /** Runs before this step, on both sides. */
  before?: () => void;
  /** Checks on ftl's raw result, after the comparison. */
  after?: (ours: AnsibleResult) => void;
  normalise?: NormaliseOptions;
  /** Variables: -e for ansible, the call option `vars` for ftl. */
  vars?: Record<string, unknown>;
}

export interface CompareOptions {
  /** An inventory for both (lab hosts); none: localhost, local connection. */
  inventory?: string;
  /** Rewrites a result before normalising (both sides), e.g. to drop what differs by design. */
  fix?: (r: AnsibleResult, side: 'ansible' | 'ftl') => AnsibleResult;
}

/** Runs the steps through ansible-playbook, puts the world back with reset, then runs them through ftl. */
export async function compareSteps(ftl: Ftl, host: string, steps: readonly ActionStep[], reset: () => void, o: CompareOptions = {}): Promise<AnsibleResult[]> {
  reset();
  const theirs: AnsibleResult[] = [];
  let batch: ActionStep[] = [];
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const vars = batch[0]?.vars;
    theirs.push(...(await runAnsibleCalls(host, batch, { ...(o.inventory === undefined ? {} : { inventory: o.inventory }), ...(vars === undefined ? {} : { extraVars: vars }) })));
    batch = [];
  };
  for (const s of steps) {
    // Hooks run between ansible's tasks, and extra vars are per run: those steps go on their own.
    if (s.before !== undefined || JSON.stringify(s.vars) !== JSON.stringify(batch[0]?.vars)) await flush();
    s.before?.();
    batch.push(s);
  }
  await flush();
  reset();
  return ftlSteps(ftl, host, steps, theirs, o);
}

/**
 * The same as compareSteps on each host in turn, with Ansible's side for all hosts in one
 * ansible-playbook run (a play per host). Steps without before hooks or vars.
 */
export async function compareStepsOnHosts(ftl: Ftl, hosts: readonly string[], stepsOf: (host: string) => readonly ActionStep[], reset: () => void, o: CompareOptions = {}): Promise<void> {
  const plays = hosts.map((host) => ({ host, calls: stepsOf(host) }));
  if (plays.some((p) => p.calls.some((s) => s.before !== undefined || s.vars !== undefined))) throw new Error('compareStepsOnHosts: steps with before or vars need compareSteps');
  reset();
  const theirs = await runAnsiblePlays(plays, o.inventory === undefined ? {} : { inventory: o.inventory });
  reset();
  for (const [n, p] of plays.entries()) await ftlSteps(ftl, p.host, p.calls, theirs[n] ?? [], o);
}

/** Runs the steps through ftl, comparing each result with Ansible's. */
async function ftlSteps(ftl: Ftl, host: string, steps: readonly ActionStep[], theirs: readonly AnsibleResult[], o: CompareOptions): Promise<AnsibleResult[]> {
  const ours: AnsibleResult[] = [];
  for (const [i, s] of steps.entries()) {
    s.before?.();
    const r = await ftl.run(host, s.module, s.args, { check: s.check === true, diff: s.diff === true, ...(s.vars === undefined ? {} : { vars: s.vars }) });
    const mine = r.host(host) ?? {};
    ours.push(mine);
    const fix = o.fix ?? ((x: AnsibleResult) => x);
    assert.deepEqual(
      normalise(fix(mine, 'ftl'), s.normalise),
      normalise(fix(theirs[i] ?? {}, 'ansible'), s.normalise),
      `${s.label}: ${s.module} ${JSON.stringify(s.args)}${s.check === true ? ' (check)' : ''}${s.diff === true ? ' (diff)' : ''}`,
    );
    s.after?.(mine);
  }
  return ours;
}
