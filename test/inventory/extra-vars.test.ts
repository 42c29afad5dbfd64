import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Inventory } from '../../src/inventory/index.js';

const BASIC = join(import.meta.dirname, 'fixtures', 'basic', 'inventory.yml');

describe('-e over every host, the command line defaults under them', () => {
  it('extra vars win over group, host and host_vars values, connection variables included', async () => {
    const inv = await Inventory.load([BASIC], { extraVars: { ansible_host: '10.9.9.9', ansible_port: '2222', ansible_user: 'admin', level: 'cli', http_port: 1 } });
    for (const h of ['web01', 'db1', 'solo']) {
      const v = inv.varsOf(h);
      assert.equal(v.level, 'cli', h);
      const f = inv.facts(h);
      assert.deepEqual([f.address, f.port, f.user], ['10.9.9.9', 2222, 'admin'], h);
    }
    assert.equal(inv.varsOf('web01').http_port, 1);
    assert.equal(inv.varsOf('web01').ntp, 'pool.ntp.org', 'what -e does not name stays');
    assert.equal(inv.varsOf('localhost').level, 'cli', 'the implicit localhost too');
    assert.equal((inv.toAnsibleList()._meta as { hostvars: Record<string, Record<string, unknown>> }).hostvars.web01?.level, 'cli', 'as ansible-inventory -e lists them');
  });

  it('-u, --private-key, -c, --become-user and --become-method fill in only what the inventory leaves out', async () => {
    const defaults = { user: 'cli-user', privateKeyFile: '~/cli.key', connection: 'local' as const, becomeUser: 'cli-become', becomeMethod: 'su' as const };
    const inv = await Inventory.load([BASIC], { connectionDefaults: defaults });
    inv.addHost('set', { ansible_user: 'inv-user', ansible_ssh_private_key_file: '/inv.key', ansible_connection: 'ssh', ansible_become_user: 'inv-become', ansible_become_method: 'sudo' });
    const own = inv.facts('set');
    assert.deepEqual([own.user, own.privateKeyFile, own.connection, own.becomeUser, own.becomeMethod], ['inv-user', '/inv.key', 'ssh', 'inv-become', 'sudo']);
    const bare = inv.facts('web01');
    assert.deepEqual([bare.user, bare.privateKeyFile, bare.connection, bare.becomeUser, bare.becomeMethod], ['cli-user', `${process.env.HOME ?? ''}/cli.key`, 'local', 'cli-become', 'su']);
    assert.equal(inv.varsOf('web01').ansible_user, undefined, 'a default is not a variable (templates do not see it)');
  });
});
