// @tier full: real sshd, Ansible or tmux (see scripts/run-tests.mjs)
/**
 * ansible.cfg and ANSIBLE_* read by Ansible's own configuration manager (the worker's Config
 * request), with Ansible's precedence and origins, and the command line over both.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AnsibleWorker } from '../../src/hosts/ansible-worker.js';
import { readAnsibleConfig, type AnsibleConfig } from '../../src/hosts/ansible-project.js';
import { Warnings, type Warning } from '../../src/base/warnings.js';
import { ConfigCache } from '../../src/run/config-cache.js';
import { readConfigIfAny } from '../../src/run/project.js';
import { applyAnsibleConfig } from '../../src/run/project-config.js';
import { Inventory } from '../../src/inventory/index.js';
import { ftl } from '../helpers/ftl.js';

let dir: string;

function cleanEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('ANSIBLE_')) env[k] = v;
  return { ...env, HOME: join(dir, 'home'), ...extra };
}

async function configWith(env: NodeJS.ProcessEnv): Promise<AnsibleConfig> {
  const w = new AnsibleWorker({ env: cleanEnv(env) });
  try {
    return (await readAnsibleConfig(w)).config;
  } finally {
    await w.close();
  }
}

const CFG = `[defaults]
inventory = hosts.ini
remote_user = from_file
forks = 12
timeout = 33
vault_password_file = ~/.vault_pass
interpreter_python = /opt/py/bin/python3
collections_path = ./collections
library = ./library
host_key_checking = False
private_key_file = ~/.ssh/deploy

[privilege_escalation]
become = True
become_user = app
become_method = su

[ssh_connection]
ssh_args = -o ControlMaster=auto -o ControlPersist=60s -o ProxyJump=bastion
ssh_common_args = -o ServerAliveInterval=5
`;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'ftl-config-'));
  mkdirSync(join(dir, 'home'));
  writeFileSync(join(dir, 'ansible.cfg'), CFG);
  writeFileSync(join(dir, 'hosts.ini'), '[web]\nw1 ansible_host=10.1.1.1\n');
});

after(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('ansible.cfg and ANSIBLE_* with Ansible precedence', { timeout: 180_000 }, () => {
  it('the file over the defaults, ANSIBLE_* over the file, each with its origin', async () => {
    const cfgPath = join(dir, 'ansible.cfg');
    const c = await configWith({ ANSIBLE_CONFIG: cfgPath, ANSIBLE_FORKS: '4', ANSIBLE_REMOTE_USER: 'from_env' });
    assert.equal(c.configFile, cfgPath);
    const s = applyAnsibleConfig({}, c, {});
    const by = Object.fromEntries(s.shown.map((r) => [r.name, r]));
    assert.deepEqual(by.forks, { name: 'forks', value: '4', origin: 'env: ANSIBLE_FORKS' });
    assert.deepEqual(by.remote_user, { name: 'remote_user', value: 'from_env', origin: 'env: ANSIBLE_REMOTE_USER' });
    assert.equal(by.become_user?.origin, cfgPath);
    assert.equal(by.inventory?.value, join(dir, 'hosts.ini'));
    assert.equal(s.options.forks, 4);
    assert.equal(s.options.remoteUser, 'from_env');
    assert.equal(s.options.connectTimeoutMs, 33_000);
    assert.equal(s.options.become, true);
    assert.equal(s.options.becomeUser, 'app');
    assert.equal(s.options.becomeMethod, 'su');
    assert.equal(s.options.noHostKeyCheck, true);
    assert.deepEqual(s.options.inventory, [join(dir, 'hosts.ini')]);
    // Ansible expands ~ and makes paths absolute (type: path) before ftl sees them.
    assert.deepEqual(s.options.vaultPasswordFiles, [join(dir, 'home', '.vault_pass')]);
    // The ssh plugin's private_key_file is text: ~ is expanded where the key is used, as ssh does.
    assert.equal(s.options.privateKeyFile, '~/.ssh/deploy');
    assert.equal(s.connectionDefaults.python, '/opt/py/bin/python3');
    assert.equal(s.moduleEnv.ANSIBLE_COLLECTIONS_PATH, join(dir, 'collections'));
    assert.equal(s.moduleEnv.ANSIBLE_LIBRARY, join(dir, 'library'));
    // The inventory's hosts get the file's ssh arguments beneath their own.
    const inv = await Inventory.load(s.options.inventory, { connectionDefaults: s.connectionDefaults });
    const f = inv.facts('w1');
    assert.equal(f.user, 'from_env');
    assert.deepEqual(f.proxyJump, ['bastion']);
    assert.equal(f.sshOptions?.serveraliveinterval, '5');
    assert.equal(f.python, '/opt/py/bin/python3');
  });

  it('read again only when something Ansible reads has changed: else from the cache, without starting the worker', async () => {
    const cache = new ConfigCache({ dir: join(dir, 'config-cache') });
    const cfg = join(dir, 'cached.cfg');
    writeFileSync(cfg, CFG);
    const read = async (env: NodeJS.ProcessEnv): Promise<{ c: AnsibleConfig | undefined; started: boolean }> => {
      const w = new AnsibleWorker({ env });
      try {
        const c = await readConfigIfAny(w, new Warnings(() => undefined), env, dir, cache);
        return { c, started: w.started };
      } finally {
        await w.close();
      }
    };
    const env = cleanEnv({ ANSIBLE_CONFIG: cfg, ANSIBLE_FORKS: '4' });
    const first = await read(env);
    assert.equal(first.started, true, 'the first read asks Ansible');
    const again = await read(env);
    assert.equal(again.started, false, 'the same place and environment: no worker');
    assert.deepEqual(again.c, first.c);
    const envChanged = await read({ ...env, ANSIBLE_FORKS: '5' });
    assert.deepEqual([envChanged.started, envChanged.c?.settings.DEFAULT_FORKS?.value], [true, 5], 'another ANSIBLE_* value: read again');
    const otherVar = await read({ ...env, SOME_PATH_IN_CFG: '/x' });
    assert.equal(otherVar.started, true, 'any variable may be expanded in a path: read again');
    writeFileSync(cfg, CFG.replace('timeout = 33', 'timeout = 44'));
    const edited = await read(env);
    assert.deepEqual([edited.started, edited.c?.ssh.timeout?.value], [true, 44], 'the file edited: read again');
    assert.equal((await read(env)).started, false);
    // An ansible.cfg where Ansible looks that was not there: read again.
    const noneEnv = cleanEnv({});
    const before = await read(noneEnv);
    assert.equal((await read(noneEnv)).started, false);
    writeFileSync(join(dir, 'home', '.ansible.cfg'), '[defaults]\nremote_user = from_home\n');
    try {
      const homeCfg = await read(noneEnv);
      assert.equal(homeCfg.started, true, '~/.ansible.cfg appeared');
      assert.notDeepEqual(homeCfg.c, before.c, 'what it says now is read');
    } finally {
      rmSync(join(dir, 'home', '.ansible.cfg'));
    }
    assert.ok(readdirSync(join(dir, 'config-cache')).every((n) => n.endsWith('.json')), 'whole entries only');
  });

  it('a read that warned is not kept: its warnings are said at every start', async () => {
    const cache = new ConfigCache({ dir: join(dir, 'config-cache-warned') });
    const env = cleanEnv({ ANSIBLE_FORKS: '3' });
    let asked = 0;
    // A stand-in worker for the one piece: Ansible warning while it reads.
    const worker = {
      request: () => {
        asked++;
        return Promise.resolve({ type: 'ConfigResult', data: { config_file: null, settings: {}, ssh: {}, warnings: ['a setting is deprecated'] } });
      },
    } as unknown as AnsibleWorker;
    const said: Warning[] = [];
    for (let i = 0; i < 2; i++) await readConfigIfAny(worker, new Warnings((w) => said.push(w)), env, dir, cache);
    assert.equal(asked, 2, 'asked both times');
  });

  it('the command line over ANSIBLE_* and the file', async () => {
    const c = await configWith({ ANSIBLE_CONFIG: join(dir, 'ansible.cfg'), ANSIBLE_FORKS: '4' });
    const s = applyAnsibleConfig({ forks: 9, remoteUser: 'from_cli', inventory: ['other.yml'], becomeMethod: 'sudo' }, c, {});
    const by = Object.fromEntries(s.shown.map((r) => [r.name, r]));
    assert.deepEqual(by.forks, { name: 'forks', value: '9', origin: 'command line' });
    assert.equal(by.remote_user?.origin, 'command line');
    assert.equal(s.options.forks, 9);
    assert.equal(s.options.remoteUser, 'from_cli');
    assert.deepEqual(s.options.inventory, ['other.yml']);
    assert.equal(s.options.becomeMethod, 'sudo');
  });

  it('~/.ansible.cfg when there is none in the directory; defaults keep ftl defaults, said as such', async () => {
    writeFileSync(join(dir, 'home', '.ansible.cfg'), '[defaults]\nremote_user = from_home\n');
    try {
      const c = await configWith({});
      assert.equal(c.configFile, join(dir, 'home', '.ansible.cfg'));
      const s = applyAnsibleConfig({}, c, {});
      const by = Object.fromEntries(s.shown.map((r) => [r.name, r]));
      assert.equal(s.options.remoteUser, 'from_home');
      assert.equal(s.options.forks, undefined);
      assert.deepEqual(by.forks, { name: 'forks', value: '50', origin: 'ftl default' });
      assert.equal(by.become_method?.origin, 'default');
      assert.equal(s.options.inventory, undefined);
    } finally {
      rmSync(join(dir, 'home', '.ansible.cfg'));
    }
  });

  it('become_method doas in the file is refused naming the file, as a host with it would be', async () => {
    const other = join(dir, 'doas.cfg');
    writeFileSync(other, '[privilege_escalation]\nbecome_method = doas\n');
    const c = await configWith({ ANSIBLE_CONFIG: other });
    assert.throws(() => applyAnsibleConfig({}, c, {}), new RegExp(`become_method 'doas' \\(${other}\\) is not supported`));
  });

  it('ftl run with no -i in the directory uses the configured inventory (and ANSIBLE_INVENTORY over it)', async () => {
    const env = cleanEnv({});
    const r = await ftl(['run', 'web', 'ping', '-c', 'local', '--json'], { cwd: dir, env, timeoutMs: 120_000 });
    // The file's inventory gives w1; its [privilege_escalation] makes the call become app with su.
    assert.doesNotMatch(r.stderr, /no host matches/);
    const line = JSON.parse(r.stdout.split('\n')[0] ?? '') as { host: string; result: { msg?: string } };
    assert.equal(line.host, 'w1');
    assert.match(String(line.result.msg), /su on localhost would not run the gate to become app/);
    // The second run takes the configuration from ~/.ftl's cache, and does the same.
    assert.equal(readdirSync(join(dir, 'home', '.ftl', 'cache', 'ansible-config')).length, 1, 'the configuration kept');
    const again = await ftl(['run', 'web', 'ping', '-c', 'local', '--json'], { cwd: dir, env, timeoutMs: 120_000 });
    const result = (out: string): unknown => {
      const { durationMs: _d, ...rest } = JSON.parse(out.split('\n')[0] ?? '') as Record<string, unknown>;
      return rest;
    };
    assert.deepEqual(result(again.stdout), result(r.stdout));
    writeFileSync(join(dir, 'env.ini'), '[web]\nfrom_env_host ansible_connection=local\n');
    const e = await ftl(['inventory', '--list'], { cwd: dir, env: { ...env, ANSIBLE_INVENTORY: join(dir, 'env.ini') } });
    assert.equal(e.code, 0, e.stderr);
    assert.deepEqual((JSON.parse(e.stdout) as { web: { hosts: string[] } }).web.hosts, ['from_env_host']);
  });
});
