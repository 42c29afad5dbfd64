import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Inventory } from '../../src/inventory/index.js';
import { limited, run } from '../helpers/exec.js';

const FIX = join(import.meta.dirname, 'fixtures');
const SOURCES: Record<string, string[]> = {
  'yaml with ranges, children, group_vars and host_vars': ['basic/inventory.yml'],
  'ini with typed values, ports and :children': ['ini/hosts.ini'],
  'a directory mixing YAML and INI, group_vars/all as a directory': ['dir'],
  'an executable inventory script': ['script/inventory.py'],
  'json in the yaml shape': ['json/inv.json'],
  'precedence by depth, ansible_group_priority and name': ['prio/inv.yml'],
  'two sources merged': ['basic/inventory.yml', 'ini/hosts.ini'],
};

const iArgs = (srcs: string[]): string[] => srcs.flatMap((s) => ['-i', join(FIX, s)]);

describe('inventories read as ansible-inventory reads them', () => {
  for (const [what, srcs] of Object.entries(SOURCES)) {
    it(what, async () => {
      const inv = await Inventory.load(srcs.map((s) => join(FIX, s)));
      const [list, graph] = await Promise.all([run('ansible-inventory', [...iArgs(srcs), '--list']), run('ansible-inventory', [...iArgs(srcs), '--graph'])]);
      assert.deepEqual(inv.toAnsibleList(), JSON.parse(list));
      assert.equal(inv.toGraph(), graph.trimEnd());
    });
  }
});

const PATTERNS = [
  'all', '*', 'webservers', 'web01', 'web*', '~web0[12]', 'webservers:dbservers', 'webservers,dbservers', 'prod:&webservers', 'prod:!webservers',
  'prod:!web01', '!webservers', '&dbservers', 'webservers[0]', 'webservers[1:2]', 'webservers[-1]', 'dbservers:replicas', 'db*:!db2', 'solo', 'localhost',
  'web0?', 'prod:!dbservers:&web*', 'ungrouped',
];

async function ansibleHosts(pattern: string): Promise<string[]> {
  const out = await run('ansible', [pattern, '-i', join(FIX, 'basic/inventory.yml'), '--list-hosts']).catch(() => '');
  return out
    .split('\n')
    .slice(1)
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

describe('host patterns match what `ansible PATTERN --list-hosts` lists', () => {
  it('for every operator', async () => {
    const inv = await Inventory.load([join(FIX, 'basic/inventory.yml')]);
    const theirs = await limited(PATTERNS, 2, ansibleHosts);
    PATTERNS.forEach((p, i) => {
      let ours: string[];
      try {
        ours = inv.resolve(p);
      } catch {
        ours = [];
      }
      assert.deepEqual(ours, theirs[i], `pattern ${p}`);
    });
  });
});
