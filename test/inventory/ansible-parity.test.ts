// @tier full: real sshd, Ansible or tmux (see scripts/run-tests.mjs)
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Inventory } from '../../src/inventory/index.js';
import { runAnsibleClis, type AnsibleCliCall, type AnsibleCliResult } from '../helpers/ansible-cli.js';
import { ftl } from '../helpers/ftl.js';

const FIX = join(import.meta.dirname, 'fixtures');
const SOURCES: Record<string, string[]> = {
  'yaml with ranges, children, group_vars and host_vars': ['basic/inventory.yml'],
  'ini with typed values, ports and :children': ['ini/hosts.ini'],
  'a directory mixing YAML and INI, group_vars/all as a directory': ['dir'],
  'an executable inventory script': ['script/inventory.py'],
  'json in the yaml shape': ['json/inv.json'],
  'precedence by depth, ansible_group_priority and name': ['prio/inv.yml'],
  'two sources merged': ['basic/inventory.yml', 'ini/hosts.ini'],
  'ini ranges with strides, letters and padding': ['strides/hosts'],
  'YAML 1.1 booleans, octal, nulls and lists': ['yaml11/inv.yaml'],
  'three levels of children and a host_vars directory (yml + json)': ['deep/inv.yml'],
  'same-depth groups ordered by name, not by file order': ['order/inv.ini'],
  'a later source overrides an earlier one': ['merge/a.yml', 'merge/b.yml'],
  'hosts in several groups, ungrouped hosts, :children': ['multi/inv.ini'],
  'empty groups and null sections': ['emptygroups/inv.yml'],
  '[all:vars] under host-line vars': ['allvars/inv.ini'],
  'host_vars as JSON files': ['hvjson/inv.yml'],
  'a script without _meta, asked --host for each host': ['script-host/inv.sh'],
  'PyYAML scalars (yes/y, dates, 0644/0o644, 1:20, .inf, 1e3, !!str, merge keys, repeated keys) in YAML, JSON and JSON-in-YAML vars': ['pyyaml/inv.yml'],
  'INI values through literal_eval on host lines and in :vars': ['iniliteral/hosts.ini'],
};

/** Sources with -e: ansible-inventory shows extra vars on every host, over their own. */
const WITH_EXTRA_VARS: Record<string, { srcs: string[]; extra: string[] }> = {
  '-e words, YAML, JSON and @file, later winning, over host and connection vars': {
    srcs: ['basic/inventory.yml'],
    extra: ['-e', 'ansible_host=10.9.9.9 level=cli', '-e', '{"http_port": 9090, "mode": 0644}', '-e', `@${join(FIX, 'pyyaml/group_vars/web.yml')}`, '-e', 'level=last'],
  },
};

const iArgs = (srcs: string[]): string[] => srcs.flatMap((s) => ['-i', join(FIX, s)]);

/**
 * Python's json writes YAML's .inf and .nan as bare Infinity and NaN (not JSON): read
 * them as marked strings, on both sides alike.
 */
function parsePythonJson(text: string): unknown {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? '';
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    const bare = /^(-?Infinity|NaN)/.exec(text.slice(i));
    if (bare !== null) {
      out += `"<${bare[1] ?? ''}>"`;
      i += (bare[1] ?? '').length - 1;
      continue;
    }
    out += c;
  }
  return JSON.parse(out);
}

const CASES = [
  ...Object.entries(SOURCES).map(([what, srcs]) => ({ what, srcs, extra: [] as string[] })),
  ...Object.entries(WITH_EXTRA_VARS).map(([what, c]) => ({ what, ...c })),
];
const HOST_ARGS = ['-i', join(FIX, 'pyyaml/inv.yml'), '-e', 'extra=1', '--host', 'h2'];

const PATTERNS = [
  'all', '*', 'webservers', 'web01', 'web*', '~web0[12]', 'webservers:dbservers', 'webservers,dbservers', 'prod:&webservers', 'prod:!webservers',
  'prod:!web01', '!webservers', '&dbservers', 'webservers[0]', 'webservers[1:2]', 'webservers[-1]', 'dbservers:replicas', 'db*:!db2', 'solo', 'localhost',
  'web0?', 'prod:!dbservers:&web*', 'ungrouped',
];
const INI_PATTERNS = ['c', 'a:&b', 'c:!a', 'h*', '~h[12]', 'c[1:]', 'web', 'web:db:!db-x', 'db[a:c]', 'db*', 'stack[-2]', 'solo,web3.example.com'];
const INI_INVENTORIES = ['multi/inv.ini', 'ini/hosts.ini'];

const listCall = (srcs: string[], extra: string[]): AnsibleCliCall => ({ cli: 'ansible-inventory', args: [...iArgs(srcs), ...extra, '--list'] });
const graphCall = (srcs: string[]): AnsibleCliCall => ({ cli: 'ansible-inventory', args: [...iArgs(srcs), '--graph'] });
const hostsCall = (pattern: string, inventory: string): AnsibleCliCall => ({ cli: 'ansible', args: [pattern, '-i', join(FIX, inventory), '--list-hosts'] });

/**
 * Every ansible command of this file, run once in one Python process (see ansible-cli.ts):
 * an `ansible` or `ansible-inventory` start-up costs about a second of CPU each.
 */
let oracle: Promise<Map<string, AnsibleCliResult>> | undefined;
function theirs(call: AnsibleCliCall): Promise<AnsibleCliResult> {
  const keyOf = (c: AnsibleCliCall): string => JSON.stringify(c);
  oracle ??= (async () => {
    const calls = [
      ...CASES.flatMap((c) => [listCall(c.srcs, c.extra), graphCall(c.srcs)]),
      { cli: 'ansible-inventory' as const, args: HOST_ARGS },
      ...PATTERNS.map((p) => hostsCall(p, 'basic/inventory.yml')),
      ...INI_INVENTORIES.flatMap((inv) => INI_PATTERNS.map((p) => hostsCall(p, inv))),
    ];
    const results = await runAnsibleClis(calls);
    return new Map(calls.map((c, i) => [keyOf(c), results[i] as AnsibleCliResult]));
  })();
  return oracle.then((m) => {
    const r = m.get(keyOf(call));
    if (r === undefined) throw new Error(`no oracle result for ${keyOf(call)}`);
    return r;
  });
}

/** What `ansible-inventory ARGS` printed; it must have succeeded. */
async function ansibleInventory(call: AnsibleCliCall): Promise<string> {
  const r = await theirs(call);
  assert.equal(r.code, 0, `ansible-inventory ${call.args.join(' ')} exited ${String(r.code)}`);
  return r.stdout;
}

describe('inventories read as ansible-inventory reads them', () => {
  for (const { what, srcs, extra } of CASES) {
    it(what, async () => {
      const [list, graph, ours, ourGraph] = await Promise.all([
        ansibleInventory(listCall(srcs, extra)),
        ansibleInventory(graphCall(srcs)),
        ftl(['inventory', ...iArgs(srcs), ...extra, '--list']),
        ftl(['inventory', ...iArgs(srcs), '--graph']),
      ]);
      assert.equal(ours.code, 0, ours.stderr);
      assert.deepEqual(parsePythonJson(ours.stdout), parsePythonJson(list));
      assert.equal(ourGraph.stdout, graph);
    });
  }
  it('one host with --host, -e included', async () => {
    const [theirsOut, ours] = await Promise.all([ansibleInventory({ cli: 'ansible-inventory', args: HOST_ARGS }), ftl(['inventory', ...HOST_ARGS])]);
    assert.equal(ours.code, 0, ours.stderr);
    assert.deepEqual(parsePythonJson(ours.stdout), parsePythonJson(theirsOut));
  });
});

/** The hosts `ansible PATTERN -i INVENTORY --list-hosts` lists; none when it fails (no match). */
async function ansibleHosts(pattern: string, inventory = 'basic/inventory.yml'): Promise<string[]> {
  const r = await theirs(hostsCall(pattern, inventory));
  if (r.code !== 0) return [];
  return r.stdout
    .split('\n')
    .slice(1)
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

describe('hosts added and removed in a session', () => {
  it('join groups and patterns, and leave them', async () => {
    const inv = await Inventory.load([join(FIX, 'basic/inventory.yml')]);
    inv.addHost('web09', { http_port: 9090 }, ['webservers']);
    assert.ok(inv.resolve('webservers').includes('web09'));
    assert.equal(inv.host('web09')?.vars.http_port, 9090);
    assert.equal(inv.host('web09')?.vars.from_file, 'web', 'group_vars apply to added hosts');
    assert.ok(inv.resolve('prod').includes('web09'), 'parent groups contain it');
    assert.equal(inv.facts('web09').port, undefined);
    // Connection facts follow the host's vars when they change mid-session.
    inv.addHost('web09', { ansible_port: 2200, ansible_user: 'deploy' }, ['webservers']);
    assert.equal(inv.facts('web09').port, 2200);
    assert.equal(inv.facts('web09').user, 'deploy');
    inv.removeHost('web09');
    assert.ok(!inv.resolve('all').includes('web09'));
    assert.throws(() => inv.resolve('web09'), /no host matches 'web09'/);
  });
});

describe('host patterns match what `ansible PATTERN --list-hosts` lists', () => {
  it('for every operator', async () => {
    const inv = await Inventory.load([join(FIX, 'basic/inventory.yml')]);
    const listed = await Promise.all(PATTERNS.map((p) => ansibleHosts(p)));
    PATTERNS.forEach((p, i) => {
      let ours: string[];
      try {
        ours = inv.resolve(p);
      } catch {
        ours = [];
      }
      assert.deepEqual(ours, listed[i], `pattern ${p}`);
    });
  });
});

describe('host patterns on INI inventories', () => {
  it('match ansible too', async () => {
    for (const inventory of INI_INVENTORIES) {
      const inv = await Inventory.load([join(FIX, inventory)]);
      const listed = await Promise.all(INI_PATTERNS.map((p) => ansibleHosts(p, inventory)));
      INI_PATTERNS.forEach((p, i) => {
        let ours: string[];
        try {
          ours = inv.resolve(p);
        } catch {
          ours = [];
        }
        assert.deepEqual(ours, listed[i], `pattern ${p} on ${inventory}`);
      });
    }
  });
});
