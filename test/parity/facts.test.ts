// @tier full: real sshd, Ansible or tmux (see scripts/run-tests.mjs)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Step } from '../helpers/compare.js';
import { withParityLab } from './lab.js';

/**
 * Facts that do not move between Ansible's run and ftl's on the same host: the minimal
 * subset minus the clock, the process and the environment of the session.
 */
const STABLE_FACTS = [
  'ansible_distribution*',
  'ansible_os_family',
  'ansible_system',
  'ansible_kernel',
  'ansible_architecture',
  'ansible_machine',
  'ansible_pkg_mgr',
  'ansible_service_mgr',
  'ansible_python_version',
  'ansible_python',
  'ansible_user_id',
  'ansible_user_uid',
  'ansible_user_dir',
  'ansible_user_shell',
  'ansible_fqdn',
  'ansible_hostname',
  'ansible_nodename',
  'ansible_domain',
];

test('parity on a lab host over SSH: setup, service and package (backends from facts, check mode)', { timeout: 600_000 }, async (t) => {
  await withParityLab(async (p) => {
    await t.test('setup, minimal subset, filtered to facts that hold still', async () => {
      const steps: Step[] = [
        { label: 'setup !all with a filter', module: 'setup', args: { gather_subset: ['!all'], filter: STABLE_FACTS } },
        { label: 'setup of one fact', module: 'setup', args: { gather_subset: ['!all'], filter: ['ansible_pkg_mgr'] } },
      ];
      const [first] = await p.compare(steps, () => undefined);
      const facts = (first?.ansible_facts ?? {}) as Record<string, unknown>;
      assert.equal(typeof facts.ansible_distribution, 'string', 'the facts are really there');
    });

    await t.test('service and package, the backend picked from the host facts', async () => {
      const steps: Step[] = [
        { label: 'a service that exists', module: 'service', args: { name: 'cron', state: 'started' }, check: true },
        { label: 'a service that does not', module: 'service', args: { name: 'no-such-service-ftl', state: 'started' }, check: true },
        { label: 'an installed package', module: 'package', args: { name: 'coreutils', state: 'present' }, check: true },
        { label: 'a package to remove', module: 'package', args: { name: 'coreutils', state: 'absent' }, check: true },
      ];
      await p.compare(steps, () => undefined);
    });
  });
});
