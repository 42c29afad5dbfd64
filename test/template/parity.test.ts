// @tier full: real sshd, Ansible or tmux (see scripts/run-tests.mjs)
/**
 * Template parity: every case of cases.ts (test/fixtures/templates) rendered on lab hosts
 * (real sshd) by ansible-playbook (one run for all cases, each a task with its own `vars:`)
 * and by ftl (one call per case). The files on the hosts must be the same bytes with the
 * same mode, the results the same, and the failures the same message.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withLab } from '../helpers/lab.js';
import { CASES } from './cases.js';
import { runParity } from './parity-run.js';

describe('template parity with ansible-playbook on lab hosts', { timeout: 1_200_000 }, () => {
  it(`${String(CASES.length)} templates render to the same bytes, modes, results and errors`, async (t) => {
    await withLab(2, async (lab) => {
      const r = await runParity(lab.inventoryPath, CASES);
      t.diagnostic(`${String(r.compared)} renderings compared (${String(r.rendered)} files, ${String(r.failed)} failures); ansible-playbook ${String(Math.round(r.ansibleMs / 1000))} s, ftl ${String(Math.round(r.ftlMs / 1000))} s`);
      assert.deepEqual(r.differences, [], `${String(r.differences.length)} differences:\n${r.differences.join('\n')}`);
      // The suite is worth what it covers: most cases render, the error cases fail on both sides.
      assert.ok(r.rendered >= 60, `only ${String(r.rendered)} files rendered`);
      assert.ok(r.failed >= 14, `only ${String(r.failed)} failures compared`);
    });
  });
});
