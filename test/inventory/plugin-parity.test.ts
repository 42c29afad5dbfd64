// @tier full: real sshd, Ansible or tmux (see scripts/run-tests.mjs)
/**
 * Inventory plugins read through Ansible's InventoryManager in the controller's worker:
 * `ftl inventory --list` prints what `ansible-inventory --list` prints (JSON equal), for
 * constructed, generator, the auto plugin's YAML, and a directory mixing static sources
 * with a constructed file that builds on their hosts. --host and patterns see the same.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAnsibleClis, type AnsibleCliResult } from '../helpers/ansible-cli.js';
import { ftl } from '../helpers/ftl.js';

let dir: string;

const STATIC_YAML = `all:
  vars:
    site: ams
  children:
    app:
      hosts:
        app[1:3]:
          role: app
      vars:
        http_port: 8080
    db:
      hosts:
        db1: {role: db, ansible_host: "{{ site }}-db1.example", when: 2024-01-02, flag: y}
`;
const STATIC_INI = `[cache]
cache1 role=cache weight=3
cache2 role=cache

[cache:vars]
ttl=60
`;
const CONSTRUCTED = `plugin: ansible.builtin.constructed
strict: false
compose:
  url: "'http://' ~ inventory_hostname ~ ':' ~ (http_port | default(80))"
groups:
  web: role == 'app'
  heavy: (weight | default(1) | int) > 2
keyed_groups:
  - key: role
    prefix: role
  - key: site
    separator: ''
`;
const GENERATOR = `plugin: ansible.builtin.generator
hosts:
  name: "{{ op }}-{{ env }}-runner"
  parents:
    - name: "{{ op }}-{{ env }}"
      parents:
        - name: "{{ op }}"
          vars:
            op: "{{ op }}"
        - name: "{{ env }}"
layers:
  op: [build, test]
  env: [dev, prod]
`;

function write(path: string, text: string): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return path;
}

const CASES: Record<string, () => string[]> = {
  'constructed on a static YAML and an INI source (two -i)': () => [write(join(dir, 'two', 'hosts.yml'), STATIC_YAML), write(join(dir, 'two', 'hosts.ini'), STATIC_INI), write(join(dir, 'two', 'zz-constructed.yml'), CONSTRUCTED)],
  'generator alone': () => [write(join(dir, 'gen', 'inventory.yml'), GENERATOR)],
  'a directory mixing static YAML, INI (no extension), group_vars and a constructed file': () => {
    const d = join(dir, 'mixed');
    write(join(d, '01-static.yml'), STATIC_YAML);
    write(join(d, '02-hosts'), STATIC_INI);
    write(join(d, '03-constructed.yml'), CONSTRUCTED);
    write(join(d, '04-generator.yaml'), GENERATOR);
    write(join(d, 'group_vars', 'web.yml'), 'tier: front\n');
    write(join(d, 'host_vars', 'cache1.yml'), 'weight: 5\n');
    return [d];
  },
};

const ENV = { ANSIBLE_INVENTORY_UNPARSED_WARNING: 'False' };

const HOST_ARGS = (): string[] => ['--host', 'app2', '-i', join(dir, 'mixed')];
/** Each case's sources, and what ansible-inventory printed for every command of this file. */
const sources = new Map<string, string[]>();
const theirs = new Map<string, AnsibleCliResult>();

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ftl-plugin-inv-'));
  for (const [name, make] of Object.entries(CASES)) sources.set(name, make());
  // All in one Python process (see ansible-cli.ts): an ansible-inventory start-up costs about a second of CPU.
  const calls = [...sources.entries()].map(([name, srcs]) => [name, ['--list', ...srcs.flatMap((s) => ['-i', s])]] as const);
  const all = [...calls, ['--host', HOST_ARGS()] as const];
  const results = await runAnsibleClis(all.map(([, args]) => ({ cli: 'ansible-inventory' as const, args })), ENV);
  all.forEach(([name], i) => theirs.set(name, results[i] as AnsibleCliResult));
});

/** What ansible-inventory printed for the case; it must have succeeded. */
function ansibleInventory(name: string): string {
  const r = theirs.get(name);
  assert.ok(r !== undefined, `no ansible-inventory result for ${name}`);
  assert.equal(r.code, 0, `ansible-inventory for ${name} exited ${String(r.code)}`);
  return r.stdout;
}

after(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('inventory plugins: ftl inventory --list equals ansible-inventory --list', { timeout: 300_000 }, () => {
  for (const name of Object.keys(CASES)) {
    it(name, async () => {
      const iArgs = (sources.get(name) ?? []).flatMap((s) => ['-i', s]);
      const ours = await ftl(['inventory', '--list', ...iArgs], { env: ENV, cwd: dir });
      assert.equal(ours.code, 0, ours.stderr);
      assert.deepEqual(JSON.parse(ours.stdout), JSON.parse(ansibleInventory(name)));
    });
  }

  it('--host and patterns see the plugin-built groups and variables', async () => {
    const d = join(dir, 'mixed');
    const ours = await ftl(['inventory', ...HOST_ARGS()], { env: ENV });
    assert.equal(ours.code, 0, ours.stderr);
    assert.deepEqual(JSON.parse(ours.stdout), JSON.parse(ansibleInventory('--host')));
    const r = await ftl(['run', '-i', d, 'role_cache:&heavy', 'ping', '--check', '--json', '-c', 'local'], { env: ENV });
    // Hosts exist only through the plugins: the pattern resolves to the constructed groups.
    assert.match(r.stdout + r.stderr, /cache1/);
    assert.doesNotMatch(r.stdout + r.stderr, /cache2|no host matches/);
  });
});
