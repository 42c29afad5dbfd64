import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { UsageError } from '../../src/base/errors.js';
import { Inventory } from '../../src/inventory/index.js';
import { labHostNames, labInventory, parseLabGroups, sshdConfig, type LabHostSpec, type LabSpec } from '../../src/lab/files.js';
import { etcHosts } from '../../src/lab/isolation.js';

test('--groups web:3,db:2 names hosts per group; bad forms are refused with the form to use', () => {
  const groups = parseLabGroups('web:3, db:2');
  assert.deepEqual(groups, [
    { name: 'web', count: 3 },
    { name: 'db', count: 2 },
  ]);
  assert.deepEqual(
    labHostNames(5, groups).map((h) => `${h.group ?? ''}/${h.name}`),
    ['web/web01', 'web/web02', 'web/web03', 'db/db01', 'db/db02'],
  );
  assert.deepEqual(
    labHostNames(3).map((h) => h.name),
    ['lab01', 'lab02', 'lab03'],
  );
  for (const [text, why] of [
    ['web', /NAME:COUNT/],
    ['web:0', /NAME:COUNT/],
    ['Web:2', /lower-case/],
    ['web:2,web:1', /given twice/],
    ['all:2', /every inventory has already/],
  ] as const) {
    assert.throws(
      () => parseLabGroups(text),
      (e: unknown) => e instanceof UsageError && why.test(e.message),
      text,
    );
  }
});

function spec(hosts: LabHostSpec[]): LabSpec {
  return { dir: '/srv/lab', user: 'alice', hosts };
}

test('the inventory of a lab with groups has the groups under all, with the connection vars for every host', async () => {
  const hosts = labHostNames(3, parseLabGroups('web:2,db:1')).map((n, i) => ({ name: n.name, address: `127.9.9.${String(i + 1)}`, port: 2222, dir: `/srv/lab/${n.name}`, ...(n.group === undefined ? {} : { group: n.group }) }));
  const dir = mkdtempSync(join(tmpdir(), 'ftl-lab-inv-'));
  try {
    const path = join(dir, 'inventory.yml');
    writeFileSync(path, labInventory(spec(hosts)));
    const inv = await Inventory.load([path]);
    assert.deepEqual(inv.hostsOf('web'), ['web01', 'web02']);
    assert.deepEqual(inv.hostsOf('db'), ['db01']);
    assert.equal(inv.group('lab'), undefined, 'no lab group when groups are given');
    assert.equal(inv.varsOf('db01').ansible_user, 'alice');
    assert.equal(inv.varsOf('web02').ansible_host, '127.9.9.2');
    // Without groups: today's inventory, group lab.
    writeFileSync(path, labInventory(spec(hosts.slice(0, 2).map(({ group: _g, ...h }) => h))));
    const plain = await Inventory.load([path]);
    assert.deepEqual(plain.hostsOf('lab'), ['web01', 'web02']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("an isolated host's /etc/hosts names every lab host; its sshd sets no HOME (its home is mounted over the real one)", () => {
  const hosts: LabHostSpec[] = ['lab01', 'lab02'].map((name, i) => ({ name, address: `127.9.9.${String(i + 1)}`, port: 2222, dir: `/srv/lab/${name}` }));
  const [h1, h2] = hosts as [LabHostSpec, LabHostSpec];
  const text = etcHosts(h1, hosts);
  assert.match(text, /^127\.0\.0\.1\tlocalhost$/m);
  assert.match(text, /^127\.9\.9\.2\tlab02$/m);
  // One address for all (the 127.0.0.1 fallback): each host knows only its own name.
  const same = hosts.map((h) => ({ ...h, address: '127.0.0.1' }));
  assert.match(etcHosts(same[1] ?? h2, same), /^127\.0\.1\.1\tlab02$/m);
  assert.doesNotMatch(etcHosts(same[1] ?? h2, same), /lab01/);
  assert.match(sshdConfig(h1, '/srv/lab', true, { ownHome: true }), /SetEnv HOME=\/srv\/lab\/lab01\/home/);
  assert.doesNotMatch(sshdConfig(h1, '/srv/lab', true, { ownHome: true, isolated: true }), /SetEnv HOME/);
});
