import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { automation, type Ftl } from '../../src/run/automation.js';
import { coreOf } from '../../src/run/ftl-object.js';
import { InventoryError } from '../../src/base/errors.js';
import { hostFacts } from '../../src/inventory/facts.js';
import { automationOptions } from '../../src/commands/options.js';

/** Rejects with one line (as the CLI and REPL print it) matching re. */
async function refusedWith(p: Promise<unknown>, re: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof InventoryError, String(e));
    assert.match(e.oneLine(), re);
    return true;
  });
}

/**
 * Connections and become methods ftl does not have are refused with one line naming the
 * host and the value, before any host is touched: never run over ssh or sudo instead.
 */
describe('connections and become methods ftl does not have', () => {
  let dir: string;
  let inventory: string;
  let ftl: Ftl;
  const marker = (): string => join(dir, 'touched');

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ftl-refusal-'));
    inventory = join(dir, 'inv.yml');
    writeFileSync(
      inventory,
      [
        'all:',
        '  hosts:',
        '    here: { ansible_connection: local }',
        '    box: { ansible_connection: community.docker.docker }',
        '    win1: { ansible_connection: winrm }',
        '    win2: { ansible_connection: psrp }',
        '    bsd: { ansible_connection: local, ansible_become_method: doas }',
        '    sul: { ansible_connection: ansible.builtin.local, ansible_become_method: ansible.builtin.su }',
        '    smart: { ansible_connection: smart, ansible_host: 192.0.2.1 }',
        '    para: { ansible_connection: paramiko }',
        '',
      ].join('\n'),
    );
    ftl = await automation({ inventory });
  });
  after(async () => {
    await ftl.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a docker host is refused by name and value, and its neighbours in the call do not run either', async () => {
    await assert.rejects(ftl.run('here,box', 'command', { _raw_params: `touch ${marker()}` }), (e: unknown) => {
      assert.ok(e instanceof InventoryError);
      assert.equal(e.host, 'box');
      assert.match(e.oneLine(), /^box: ansible_connection 'community\.docker\.docker' is not supported: ftl connects over ssh or locally \(set ansible_connection/);
      return true;
    });
    assert.equal(existsSync(marker()), false, 'nothing ran on the local host either');
  });

  it('several refused hosts: the first named, the others counted, still one line', async () => {
    await assert.rejects(ftl.run('all', 'ping'), (e: unknown) => {
      assert.ok(e instanceof InventoryError);
      assert.match(e.oneLine(), /^box: ansible_connection 'community\.docker\.docker' .*\(and 2 more hosts: win1, win2\)/);
      assert.equal(e.oneLine().split('\n').length, 1);
      return true;
    });
  });

  it('a become method is refused only when the call becomes someone', async () => {
    const r = await ftl.run('bsd', 'ping');
    assert.deepEqual(r.ok, ['bsd'], 'no become: doas does not matter');
    await refusedWith(ftl.run('bsd', 'ping', {}, { become: true }), /^bsd: ansible_become_method 'doas' is not supported: ftl becomes other users with sudo or su/);
  });

  it('FQCNs of local, su, and smart/paramiko (ssh to ftl) are understood', () => {
    const inv = coreOf(ftl).inventory;
    assert.equal(inv.facts('sul').connection, 'local');
    assert.equal(inv.facts('sul').becomeMethod, 'su');
    assert.equal(inv.facts('sul').unsupportedBecomeMethod, undefined);
    assert.equal(inv.facts('smart').connection, 'ssh');
    assert.equal(inv.facts('para').connection, 'ssh');
    assert.equal(inv.facts('para').unsupportedConnection, undefined);
  });

  it('-e ansible_connection reaches the implicit localhost too, and is refused the same way', async () => {
    const other = await automation({ extraVars: { ansible_connection: 'docker' } });
    try {
      await refusedWith(other.run('localhost', 'ping'), /^localhost: ansible_connection 'docker' is not supported/);
    } finally {
      await other.close();
    }
  });

  it('-c and --become-method values ftl does not have are usage errors naming the value', () => {
    assert.throws(() => automationOptions({ connection: 'winrm' }), /-c\/--connection 'winrm' is not supported: ftl connects with ssh or local/);
    assert.throws(() => automationOptions({ becomeMethod: 'pbrun' }), /--become-method 'pbrun' is not supported: ftl becomes other users with sudo or su/);
    assert.equal(automationOptions({ connection: 'smart' }).connection, 'ssh');
    assert.equal(automationOptions({ becomeMethod: 'su' }).becomeMethod, 'su');
  });

  it('an unknown ansible_connection is never ssh in disguise', () => {
    const f = hostFacts('h', { ansible_connection: 'docker' });
    assert.equal(f.unsupportedConnection, 'docker');
  });
});
