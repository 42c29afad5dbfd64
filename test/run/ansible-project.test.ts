// @tier full: real sshd, Ansible or tmux (see scripts/run-tests.mjs)
/**
 * An Ansible project directory as it is: ansible.cfg naming the inventory, the login user,
 * the key and the ssh arguments; an inventory whose connection variables are `{{ }}`; a
 * constructed plugin file building the 'web' group from the static hosts; a `!vault` value in
 * group_vars, with the vault password file named by ansible.cfg. `ftl run web ping` with no -i,
 * from that directory, reaches every host; the vaulted value reaches them and shows nowhere.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labUp, type Lab } from '../../src/lab/lab.js';
import { hostPaths } from '../../src/lab/files.js';
import { ftl, jsonLines } from '../helpers/ftl.js';
import { run } from '../helpers/exec.js';

let lab: Lab;
let root: string;
let project: string;
const SECRET = 'Vaulted-7f3e-Pass';

/** The env of a user in the project: no ANSIBLE_* of the test runner's, HOME without an ansible.cfg. */
function userEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('ANSIBLE_')) env[k] = v;
  return { ...env, ...extra };
}

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'ftl-project-'));
  lab = await labUp({ ownHomes: true, count: 2, dir: join(root, 'lab') });
  for (const h of lab.hosts) mkdirSync(join(hostPaths(h).home, '.ansible', 'tmp'), { recursive: true, mode: 0o700 });
  project = join(root, 'project');
  mkdirSync(join(project, 'inventory'), { recursive: true });
  writeFileSync(
    join(project, 'ansible.cfg'),
    [
      '[defaults]',
      'inventory = inventory',
      `remote_user = ${lab.user}`,
      `private_key_file = ${lab.keyPath}`,
      'forks = 7',
      'interpreter_python = auto_silent',
      'vault_password_file = vault-pass.txt',
      '[ssh_connection]',
      `ssh_common_args = -o UserKnownHostsFile=${lab.knownHostsPath} -o StrictHostKeyChecking=yes`,
      '',
    ].join('\n'),
  );
  const hosts = Object.fromEntries(
    lab.hosts.map((h, i) => [`node${String(i + 1)}`, { real_ip: h.address, real_port: h.port, ansible_host: '{{ real_ip }}', ansible_port: '{{ real_port }}', tier: i === 0 ? 'front' : 'back' }]),
  );
  writeFileSync(join(project, 'inventory', '10-hosts.yml'), JSON.stringify({ all: { children: { fleet: { hosts } } } }));
  writeFileSync(join(project, 'vault-pass.txt'), 'project-vault-pw\n');
  // Encrypted by Ansible itself, outside the project (its ansible.cfg would add a second password).
  const passFile = join(root, 'pass');
  writeFileSync(passFile, 'project-vault-pw\n');
  const sealed = await run('ansible-vault', ['encrypt_string', '--vault-password-file', passFile, '--name', 'db_password', SECRET], {}, 120_000);
  mkdirSync(join(project, 'inventory', 'group_vars'), { recursive: true });
  writeFileSync(join(project, 'inventory', 'group_vars', 'fleet.yml'), sealed);
  // Constructed needs the static hosts first: Ansible reads the directory in name order.
  writeFileSync(
    join(project, 'inventory', '20-web.yml'),
    ['plugin: ansible.builtin.constructed', 'strict: true', 'groups:', '  web: real_ip is defined', 'keyed_groups:', '  - key: tier', '    prefix: tier', ''].join('\n'),
  );
});

after(async () => {
  await lab.down();
  rmSync(root, { recursive: true, force: true });
});

describe('an Ansible project directory', { timeout: 300_000 }, () => {
  it('ftl run web ping, no -i: the configured inventory, {{ }} connection variables, the constructed group', async () => {
    const r = await ftl(['run', 'web', 'ping', '--json'], { cwd: project, env: userEnv(), timeoutMs: 180_000 });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const lines = jsonLines(r.stdout).filter((l) => l.host !== undefined);
    assert.deepEqual(lines.map((l) => l.host).sort(), ['node1', 'node2']);
    for (const l of lines) assert.equal((l.result as Record<string, unknown>).ping, 'pong', JSON.stringify(l));
    assert.doesNotMatch(r.stderr, /warning/i, 'auto_silent discovery and the config say nothing');
  });

  it('ftl inventory --list equals ansible-inventory --list there', async () => {
    const ours = await ftl(['inventory', '--list'], { cwd: project, env: userEnv() });
    assert.equal(ours.code, 0, ours.stderr);
    // run() has no cwd: ANSIBLE_CONFIG points Ansible at the same file instead.
    const theirs = await run('ansible-inventory', ['--list'], { ANSIBLE_CONFIG: join(project, 'ansible.cfg') }, 120_000);
    // The same text, not only the same data: keys sorted, the !vault value sealed as Ansible prints it.
    assert.equal(ours.stdout, theirs);
    assert.doesNotMatch(ours.stdout, new RegExp(SECRET));
    const list = JSON.parse(ours.stdout) as Record<string, { hosts?: string[] }>;
    assert.deepEqual(list.web?.hosts, ['node1', 'node2']);
    assert.deepEqual(list.tier_front?.hosts, ['node1']);
  });

  it('a !vault value in group_vars, password file from ansible.cfg: reaches every host, shown nowhere', async () => {
    const put = await ftl(['run', 'web', '-m', 'copy', '-a', 'content="{{ db_password }}" dest=~/db.pw mode=0600', '--json'], { cwd: project, env: userEnv(), timeoutMs: 180_000 });
    assert.equal(put.code, 0, put.stderr + put.stdout);
    for (const h of lab.hosts) assert.equal(readFileSync(join(hostPaths(h).home, 'db.pw'), 'utf8'), SECRET, h.name);
    const shown = await ftl(['run', 'web', '-m', 'shell', '-a', 'cat ~/db.pw'], { cwd: project, env: userEnv(), timeoutMs: 180_000 });
    assert.equal(shown.code, 0, shown.stderr + shown.stdout);
    assert.match(shown.stdout, /\*{8}/, 'the host\'s output is masked');
    for (const out of [put.stdout, put.stderr, shown.stdout, shown.stderr]) assert.doesNotMatch(out, new RegExp(SECRET));
  });

  it('.settings says where each value came from: the command line, ANSIBLE_*, ansible.cfg, the default', async () => {
    const r = await ftl(['-u', lab.user], { cwd: project, env: userEnv({ ANSIBLE_FORKS: '3' }), input: '.settings\n' });
    assert.equal(r.code, 0, r.stderr);
    const cfg = join(project, 'ansible.cfg');
    assert.match(r.stdout, new RegExp(`Ansible's configuration: ${cfg}`));
    assert.match(r.stdout, /forks\s+3\s+env: ANSIBLE_FORKS/);
    assert.match(r.stdout, /remote_user\s+\S+\s+command line/);
    assert.match(r.stdout, new RegExp(`inventory\\s+${join(project, 'inventory')}\\s+${cfg}`));
    assert.match(r.stdout, new RegExp(`interpreter_python\\s+auto_silent\\s+${cfg}`));
    assert.match(r.stdout, /become_method\s+sudo\s+default/);
  });

  it("interpreter_python auto_silent and ansible_python_interpreter auto: the interpreter Ansible's discovery chooses", async () => {
    const oracle = await run('ansible', ['node1', '-m', 'ping', '-e', 'ansible_python_interpreter=auto'], { ANSIBLE_CONFIG: join(project, 'ansible.cfg'), ANSIBLE_STDOUT_CALLBACK: 'json', ANSIBLE_LOAD_CALLBACK_PLUGINS: '1' }, 180_000);
    const discovered = /"discovered_interpreter_python": "([^"]+)"/.exec(oracle)?.[1];
    assert.ok(discovered !== undefined, oracle);
    for (const extra of [[], ['-e', 'ansible_python_interpreter=auto']]) {
      const r = await ftl(['run', 'node1', '-m', 'setup', '-a', 'gather_subset=!all filter=ansible_python', '--json', ...extra], { cwd: project, env: userEnv(), timeoutMs: 180_000 });
      assert.equal(r.code, 0, r.stderr + r.stdout);
      const facts = (jsonLines(r.stdout)[0]?.result as { ansible_facts: { ansible_python: { executable: string } } }).ansible_facts;
      assert.equal(facts.ansible_python.executable, discovered, `ftl ${extra.join(' ')}`);
    }
  });

  it('a connection variable that cannot be templated: the host, the variable and why, said once; no host touched', async () => {
    const inv = join(root, 'undefined-var.yml');
    writeFileSync(inv, 'all:\n  hosts:\n    ghost:\n      ansible_host: "{{ real_ip }}"\n');
    const r = await ftl(['run', '-i', inv, 'ghost', 'ping'], { cwd: root, env: userEnv(), timeoutMs: 120_000 });
    assert.equal(r.code, 1, r.stderr + r.stdout);
    assert.equal(r.stderr.trim(), "ftl: ghost: ansible_host cannot be templated: 'real_ip' is undefined (fix the variable in the inventory)");
  });

  it('without ansible-core on the controller: static inventories work, an unread ansible.cfg is said, a plugin inventory is refused naming the fix', async () => {
    // A Python that cannot import ansible stands for a controller without ansible-core.
    const env = userEnv({ FTL_PYTHON: join(root, 'no-such-python') });
    const r = await ftl(['run', '-i', lab.inventoryPath, 'lab', 'ping', '--json'], { cwd: project, env, timeoutMs: 180_000 });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.equal(jsonLines(r.stdout).filter((l) => l.host !== undefined).length, 2);
    assert.match(r.stderr, /ansible\.cfg is not read: reading ansible\.cfg needs ansible-core on the controller/);
    const p = await ftl(['inventory', '--list', '-i', join(project, 'inventory')], { cwd: root, env });
    assert.equal(p.code, 1);
    assert.match(p.stderr, /20-web\.yml is an inventory plugin file \(plugin: ansible\.builtin\.constructed\): reading it needs ansible-core on the controller \(install ansible-core/);
  });
});
