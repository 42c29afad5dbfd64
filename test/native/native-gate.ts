/** A real local gate for the native-module parity tests, and a side-by-side comparer. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureGate } from '../../src/gate/pyz.js';
import { spawnLocalGate } from '../../src/gate/local.js';
import { GateClient } from '../../src/gate/client.js';
import { runAnsibleCalls, type AnsibleCall, type AnsibleResult } from '../helpers/ansible.js';
import { compareWith, type Step } from '../helpers/compare.js';

/** The interpreter the oracle runs modules with (ansible_python_interpreter), so python facts compare. */
export const ORACLE_PYTHON = '/usr/bin/python3';

export interface NativeGate {
  readonly session: GateClient;
  call(c: AnsibleCall): Promise<AnsibleResult>;
  close(): Promise<void>;
}

export async function openNativeGate(): Promise<NativeGate> {
  const cacheDir = mkdtempSync(join(tmpdir(), 'ftl-native-gate-'));
  const build = await ensureGate({ cacheDir });
  const session = await GateClient.open(spawnLocalGate(build.path, { python: ORACLE_PYTHON }), { host: 'localhost' });
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

export type { Step } from '../helpers/compare.js';

/** The steps through ansible-playbook on localhost, then through the native gate (see compareWith). */
export function compareSteps(gate: NativeGate, steps: readonly Step[], reset: () => void): Promise<AnsibleResult[]> {
  return compareWith((calls) => runAnsibleCalls('localhost', calls), (c) => gate.call(c), steps, reset);
}
