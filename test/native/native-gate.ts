/** A real local gate for the native-module parity tests, and a side-by-side comparer. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureGate } from '../../src/gate/pyz.js';
import { spawnLocalGate } from '../../src/gate/local.js';
import { GateSession } from '../../src/gate/session.js';
import { normalise, runAnsibleCalls, type AnsibleCall, type AnsibleResult, type NormaliseOptions } from '../helpers/ansible.js';

/** The interpreter the oracle runs modules with (ansible_python_interpreter), so python facts compare. */
export const ORACLE_PYTHON = '/usr/bin/python3';

export interface NativeGate {
  readonly session: GateSession;
  call(c: AnsibleCall): Promise<AnsibleResult>;
  close(): Promise<void>;
}

export async function openNativeGate(): Promise<NativeGate> {
  const cacheDir = mkdtempSync(join(tmpdir(), 'ftl-native-gate-'));
  const build = await ensureGate({ cacheDir });
  const session = await GateSession.open(spawnLocalGate(build.path, { python: ORACLE_PYTHON }), { host: 'localhost' });
  return {
    session,
    async call(c) {
      const moduleArgs = { ...c.args, _ansible_check_mode: c.check === true, _ansible_diff: c.diff === true };
      const reply = await session.request('FTLModule', { module_name: c.module, module_args: moduleArgs }, { timeoutMs: 60_000 });
      assert.equal(reply.type, 'FTLModuleResult', `${c.module}: ${JSON.stringify(reply.data)}`);
      return reply.data.result as AnsibleResult;
    },
    async close() {
      await session.close();
      rmSync(cacheDir, { recursive: true, force: true });
    },
  };
}

export interface Step extends AnsibleCall {
  /** Why the call is here, shown when it differs. */
  label: string;
  /** Runs before this step, on both sides (e.g. to reset a file between ansible's run and ftl's). */
  before?: () => void;
  /** Checks on ftl's raw result, after the comparison. */
  after?: (ours: AnsibleResult) => void;
  normalise?: NormaliseOptions;
}

/**
 * Runs the steps through ansible-playbook in one go, then the same steps in the same order
 * through the gate, after putting the world back with `reset`. Both see the same sequence of
 * states, so idempotency (a second call reports no change) is compared too.
 */
export async function compareSteps(gate: NativeGate, steps: readonly Step[], reset: () => void): Promise<AnsibleResult[]> {
  reset();
  // before-hooks cannot run between playbook tasks; steps with one are run one by one.
  const theirs: AnsibleResult[] = [];
  let batch: Step[] = [];
  const flush = async (): Promise<void> => {
    if (batch.length > 0) theirs.push(...(await runAnsibleCalls('localhost', batch)));
    batch = [];
  };
  for (const s of steps) {
    if (s.before !== undefined) {
      await flush();
      s.before();
    }
    batch.push(s);
  }
  await flush();
  reset();
  const ours: AnsibleResult[] = [];
  for (const [i, s] of steps.entries()) {
    s.before?.();
    const r = await gate.call(s);
    ours.push(r);
    assert.deepEqual(normalise(r, s.normalise), normalise(theirs[i], s.normalise), `${s.label}: ${s.module} ${JSON.stringify(s.args)}${s.check === true ? ' (check)' : ''}${s.diff === true ? ' (diff)' : ''}`);
    s.after?.(r);
  }
  return ours;
}
