// @tier full: real sshd, Ansible or tmux (see scripts/run-tests.mjs)
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { runAnsibleCalls } from '../helpers/ansible.js';
import { openNativeGate, type NativeGate } from './native-gate.js';

/** Facts that move between two readings a second apart: compared within a margin, not for equality. */
const MOVING: Record<string, number> = { ansible_memfree_mb: 2048, ansible_swapfree_mb: 2048, ansible_uptime_seconds: 120 };

const EXPECTED_KEYS = [
  'ansible_architecture', 'ansible_distribution', 'ansible_distribution_major_version', 'ansible_distribution_release',
  'ansible_distribution_version', 'ansible_domain', 'ansible_fqdn', 'ansible_hostname', 'ansible_kernel', 'ansible_kernel_version',
  'ansible_machine', 'ansible_memfree_mb', 'ansible_memtotal_mb', 'ansible_nodename', 'ansible_os_family', 'ansible_processor_cores',
  'ansible_processor_count', 'ansible_processor_nproc', 'ansible_processor_threads_per_core', 'ansible_processor_vcpus', 'ansible_python',
  'ansible_python_version', 'ansible_swapfree_mb', 'ansible_swaptotal_mb', 'ansible_system', 'ansible_uptime_seconds', 'ansible_user_dir',
  'ansible_user_gecos', 'ansible_user_gid', 'ansible_user_id', 'ansible_user_shell', 'ansible_user_uid', 'ansible_userspace_architecture',
  'ansible_userspace_bits',
];

describe('native facts match what ansible setup reports', () => {
  let gate: NativeGate;
  before(async () => {
    gate = await openNativeGate();
  });
  after(async () => {
    await gate.close();
  });

  it('every fact ftl gathers has the name and value setup gives it', async () => {
    const [setup] = await runAnsibleCalls('localhost', [{ module: 'setup', args: {} }]);
    const theirs = (setup?.ansible_facts ?? {}) as Record<string, unknown>;
    const ours = await gate.call({ module: 'facts', args: {} });
    assert.equal(ours.changed, false);
    const facts = ours.ansible_facts as Record<string, unknown>;
    assert.deepEqual(Object.keys(facts).sort(), EXPECTED_KEYS);
    for (const [k, v] of Object.entries(facts)) {
      assert.ok(k in theirs, `setup has no ${k}`);
      const margin = MOVING[k];
      if (margin !== undefined) {
        assert.ok(Math.abs(Number(v) - Number(theirs[k])) <= margin, `${k}: ${String(v)} vs setup's ${String(theirs[k])}`);
      } else {
        assert.deepEqual(v, theirs[k], k);
      }
    }
  });

  it('check mode gathers the same facts; options are refused as setup-like modules refuse them', async () => {
    const checked = await gate.call({ module: 'facts', args: {}, check: true });
    assert.equal((checked.ansible_facts as Record<string, unknown>).ansible_system, 'Linux');
    const bad = await gate.call({ module: 'facts', args: { filter: 'x' } });
    assert.equal(bad.failed, true);
    assert.match(String(bad.msg), /Unsupported parameters for \(facts\) module: filter/);
  });
});
