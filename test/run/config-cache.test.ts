/**
 * The kept Ansible configuration: whole entries or none, the user's own and closed to others,
 * bounded in number. (What invalidates an entry is tested with real Ansible in ansible-config.test.ts.)
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { AnsibleConfig } from '../../src/hosts/ansible-project.js';
import { ConfigCache } from '../../src/run/config-cache.js';

const CONFIG: AnsibleConfig = {
  configFile: '/p/ansible.cfg',
  settings: { DEFAULT_FORKS: { value: 12, origin: '/p/ansible.cfg' } },
  ssh: { remote_user: { value: 'deploy', origin: 'env: ANSIBLE_REMOTE_USER' } },
};

test('ConfigCache: what was stored comes back; a corrupt, foreign or partial entry is a miss; entries are 0600 in 0700; at most 64 kept', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'ftl-config-cache-'));
  t.after(() => {
    rmSync(root, { recursive: true, force: true });
  });
  const dir = join(root, 'cache');
  const cache = new ConfigCache({ dir });
  assert.equal(cache.read('a'.repeat(40)), undefined, 'nothing yet');
  cache.store('a'.repeat(40), CONFIG);
  assert.deepEqual(cache.read('a'.repeat(40)), CONFIG);
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  assert.equal(statSync(join(dir, `${'a'.repeat(40)}.json`)).mode & 0o777, 0o600);

  writeFileSync(join(dir, `${'b'.repeat(40)}.json`), '{"format":1,"key":"bbbb');
  assert.equal(cache.read('b'.repeat(40)), undefined, 'corrupt');
  writeFileSync(join(dir, `${'c'.repeat(40)}.json`), JSON.stringify({ format: 1, key: 'd'.repeat(40), config: CONFIG }));
  assert.equal(cache.read('c'.repeat(40)), undefined, 'an entry for another key');
  writeFileSync(join(dir, `${'e'.repeat(40)}.json`), JSON.stringify({ format: 1, key: 'e'.repeat(40), config: { configFile: null, settings: {} } }));
  assert.equal(cache.read('e'.repeat(40)), undefined, 'no ssh options: not whole');

  // The oldest go first once there are more than 64.
  const past = Date.now() / 1000 - 3600;
  utimesSync(join(dir, `${'a'.repeat(40)}.json`), past, past);
  for (let i = 0; i < 70; i++) cache.store(i.toString(16).padStart(40, '0'), CONFIG);
  const left = readdirSync(dir);
  assert.equal(left.length, 64);
  assert.ok(!left.includes(`${'a'.repeat(40)}.json`), 'the oldest entry was removed');
});
