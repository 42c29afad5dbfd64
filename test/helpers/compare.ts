/** Side-by-side runs of the same calls through Ansible (the oracle) and through ftl. */
import assert from 'node:assert/strict';
import { normalise, type AnsibleCall, type AnsibleResult, type NormaliseOptions } from './ansible.js';

export interface Step extends AnsibleCall {
  /** Why the call is here, shown when it differs. */
  label: string;
  /** Runs before this step, on both sides (e.g. to reset a file between ansible's run and ftl's). */
  before?: () => void | Promise<void>;
  /** Checks on ftl's raw result, after the comparison. */
  after?: (ours: AnsibleResult) => void | Promise<void>;
  normalise?: NormaliseOptions;
}

/**
 * Runs the steps through the oracle (many at once where no before-hook stands between
 * them), then the same steps in the same order through ftl, after putting the world back
 * with `reset`. Both see the same sequence of states, so idempotency (a second call
 * reports no change) is compared too.
 */
export async function compareWith(
  oracle: (calls: AnsibleCall[]) => Promise<AnsibleResult[]>,
  ours: (call: AnsibleCall) => Promise<AnsibleResult>,
  steps: readonly Step[],
  reset: () => void | Promise<void>,
): Promise<AnsibleResult[]> {
  await reset();
  const theirs: AnsibleResult[] = [];
  let batch: Step[] = [];
  const flush = async (): Promise<void> => {
    if (batch.length > 0) theirs.push(...(await oracle(batch)));
    batch = [];
  };
  for (const s of steps) {
    if (s.before !== undefined) {
      await flush();
      await s.before();
    }
    batch.push(s);
  }
  await flush();
  await reset();
  const results: AnsibleResult[] = [];
  for (const [i, s] of steps.entries()) {
    await s.before?.();
    const r = await ours(s);
    results.push(r);
    assert.deepEqual(normalise(r, s.normalise), normalise(theirs[i], s.normalise), `${s.label}: ${s.module} ${JSON.stringify(s.args)}${s.check === true ? ' (check)' : ''}${s.diff === true ? ' (diff)' : ''}`);
    await s.after?.(r);
  }
  return results;
}
