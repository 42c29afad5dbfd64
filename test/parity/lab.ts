/**
 * The parity suite's fixture: one lab host (real sshd), reached by Ansible over OpenSSH
 * and by ftl over its own SSH gate. Lab hosts share this machine's filesystem, so a
 * test prepares and inspects the "remote" files directly.
 */
import { automation, type Ftl } from '../../src/run/automation.js';
import type { Lab } from '../../src/lab/lab.js';
import { runAnsibleCalls, type AnsibleCall, type AnsibleResult } from '../helpers/ansible.js';
import { compareWith, type Step } from '../helpers/compare.js';
import { withLab } from '../helpers/lab.js';

export const HOST = 'lab01';

export interface ParityLab {
  readonly lab: Lab;
  readonly ftl: Ftl;
  /** ftl's result for one call on the lab host. */
  call(c: AnsibleCall): Promise<AnsibleResult>;
  /** The steps through ansible-playbook on the lab host, then through ftl, compared. */
  compare(steps: readonly Step[], reset: () => void | Promise<void>): Promise<AnsibleResult[]>;
}

export async function withParityLab(fn: (p: ParityLab) => Promise<void>): Promise<void> {
  await withLab(1, async (lab) => {
    const ftl = await automation({ inventory: lab.inventoryPath });
    const call = async (c: AnsibleCall): Promise<AnsibleResult> => {
      const r = await ftl.run(HOST, c.module, c.args, { check: c.check === true, diff: c.diff === true });
      const result = r.host(HOST);
      if (result === undefined) throw new Error(`ftl gave no result for ${HOST}`);
      return { ...result };
    };
    try {
      await fn({
        lab,
        ftl,
        call,
        compare: (steps, reset) => compareWith((calls) => runAnsibleCalls(HOST, calls, { inventory: lab.inventoryPath }), call, steps, reset),
      });
    } finally {
      await ftl.close();
    }
  });
}
