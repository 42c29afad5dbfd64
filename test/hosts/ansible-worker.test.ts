// @tier full: real sshd, Ansible or tmux (see scripts/run-tests.mjs)
/**
 * The controller's Ansible worker with ansible-core: the variables a task sees are the ones
 * `ansible HOST -m debug` shows; `{{ }}` in a call's args is templated per host as Ansible
 * does it; one request for all hosts, the inventory and facts sent once; requests answered
 * concurrently and correctly; a worker that dies is replaced; Ansible's warnings reach the
 * session's warnings; a call without `{{` never starts the worker.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Warnings, type Warning } from '../../src/base/warnings.js';
import { workerInventory } from '../../src/actions/vars.js';
import type { AnsibleWorker, HostsScope } from '../../src/hosts/ansible-worker.js';
import { automation, type Ftl } from '../../src/run/automation.js';
import { run } from '../helpers/exec.js';
import { coreOf } from '../../src/run/ftl-object.js';
import { isAlive } from '../../src/lab/procs.js';

const INVENTORY = `
all:
  vars:
    site: lab
    lazy: "{{ site }}-{{ inventory_hostname }}"
  children:
    web:
      hosts:
        h1: { ansible_connection: local, ansible_python_interpreter: /usr/bin/python3, port: 80 }
        h2: { ansible_connection: local, ansible_python_interpreter: /usr/bin/python3, port: 81, addr: "{{ site }}.example" }
      vars:
        tier: front
    db:
      hosts:
        h3: { ansible_connection: local, ansible_python_interpreter: /usr/bin/python3 }
      children:
        replicas:
          hosts:
            h4: { ansible_connection: local, ansible_python_interpreter: /usr/bin/python3 }
`;

/** What a task sees, as one value: magic variables, hostvars, lazy variables, the names in vars. */
const PROBE = `{{ {
  'inventory_hostname': inventory_hostname, 'short': inventory_hostname_short, 'group_names': group_names,
  'groups': groups, 'play_hosts': ansible_play_hosts, 'batch': ansible_play_batch, 'all_play_hosts': ansible_play_hosts_all,
  'check': ansible_check_mode, 'diff': ansible_diff_mode, 'forks': ansible_forks, 'verbosity': ansible_verbosity,
  'version': ansible_version, 'playbook_dir': playbook_dir, 'inventory_file': inventory_file | default('none'), 'inventory_dir': inventory_dir | default('none'),
  'sources': ansible_inventory_sources, 'python': ansible_playbook_python, 'config_file': ansible_config_file,
  'connection': ansible_connection, 'host': ansible_host | default('none'), 'play_name': ansible_play_name, 'role_names': role_names,
  'hostvars': hostvars.keys() | list | sort, 'lazy': lazy, 'h2_addr': hostvars['h2'].addr, 'h1_lazy': hostvars['h1'].lazy,
  'tier': tier | default('none'), 'omit_ok': omit.startswith('__omit_place_holder__'), 'vars': vars.keys() | list | sort
} }}`;

interface JsonOut {
  plays: { tasks: { hosts: Record<string, Record<string, unknown>> }[] }[];
}

async function adhoc(dir: string, pattern: string, module: string, args: string): Promise<Record<string, Record<string, unknown>>> {
  const out = await run('ansible', ['-i', join(dir, 'inventory.yml'), pattern, '-m', module, '-a', args], { ANSIBLE_LOAD_CALLBACK_PLUGINS: '1', ANSIBLE_STDOUT_CALLBACK: 'json', ANSIBLE_LOCALHOST_WARNING: 'False' }, 180_000, [0, 2]);
  return (JSON.parse(out.slice(out.indexOf('{'))) as JsonOut).plays[0]?.tasks[0]?.hosts ?? {};
}

describe('the Ansible worker with ansible-core', { timeout: 600_000 }, () => {
  let dir: string;
  let ftl: Ftl;
  let worker: AnsibleWorker;
  const said: Warning[] = [];
  const before0 = process.cwd();
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ftl-worker-'));
    writeFileSync(join(dir, 'inventory.yml'), INVENTORY);
    // ansible, like ftl, reads relative paths against the current directory.
    process.chdir(dir);
    ftl = await automation({ inventory: join(dir, 'inventory.yml'), forks: 5, warnings: new Warnings((w) => said.push(w)) });
    worker = coreOf(ftl).gates.ansible;
  });
  after(async () => {
    await ftl.close();
    process.chdir(before0);
    rmSync(dir, { recursive: true, force: true });
  });

  const scope = (hosts: string[], extra: Partial<HostsScope> = {}): HostsScope => ({
    inventory: workerInventory(coreOf(ftl).actions.vars),
    hosts,
    factsOf: (h) => ({ key: h, facts: undefined }),
    check: false,
    diff: false,
    forks: 5,
    ...extra,
  });

  it('a call without {{ }} does not start the worker', async () => {
    const r = await ftl.run('h1', 'command', { cmd: 'echo plain' });
    assert.equal(r.host('h1')?.stdout, 'plain');
    assert.equal(worker.started, false);
  });

  it('what a task sees is what `ansible -m debug` shows, on every host and the implicit localhost', async () => {
    const hosts = ['h1', 'h2', 'h3', 'h4'];
    const theirs = await adhoc(dir, 'all', 'debug', `msg=${PROBE}`);
    const ours = await worker.template(scope(hosts), { msg: PROBE }, 'ansible.builtin.debug');
    for (const h of hosts) assert.deepEqual(ours.get(h), { value: { msg: theirs[h]?.msg } }, h);
    const theirLocal = await adhoc(dir, 'localhost', 'debug', `msg=${PROBE}`);
    const ourLocal = await worker.template(scope(['localhost']), { msg: PROBE }, 'ansible.builtin.debug');
    assert.deepEqual(ourLocal.get('localhost'), { value: { msg: theirLocal.localhost?.msg } });
  });

  it("{{ }} in a call's args is templated per host, with omit and Ansible's error for an undefined variable", async () => {
    const r = await ftl.run('web', 'command', { cmd: 'echo {{ inventory_hostname }} {{ port }} {{ x }}', chdir: '{{ nothing | default(omit) }}' }, { vars: { x: 'from vars' } });
    assert.equal(r.host('h1')?.stdout, 'h1 80 from vars');
    assert.equal(r.host('h2')?.stdout, 'h2 81 from vars');
    const theirs = await adhoc(dir, 'h1', 'command', 'echo {{ nope }}');
    const ours = await ftl.run('h1', 'command', { cmd: 'echo {{ nope }}' });
    assert.equal(ours.host('h1')?.msg, theirs.h1?.msg);
    assert.match(String(ours.host('h1')?.msg), /'nope' is undefined/);
  });

  it('sends the inventory once per version and facts once per gathering', async () => {
    const sent: { type: string; data: Record<string, unknown> }[] = [];
    const request = worker.request.bind(worker);
    worker.request = (type, data, opts) => {
      sent.push({ type, data });
      return request(type, data, opts);
    };
    try {
      const gathered = await ftl.run('h1', 'setup', { gather_subset: ['min'] });
      assert.equal(gathered.ok.length, 1);
      const t1 = await ftl.run('h1', 'command', { cmd: 'echo {{ ansible_facts.system }} {{ ansible_system }}' });
      assert.equal(t1.host('h1')?.stdout, 'Linux Linux');
      await ftl.run('h1', 'command', { cmd: 'echo {{ ansible_system }}' });
      const templates = sent.filter((s) => s.type === 'Template');
      assert.equal(templates.length, 2);
      assert.deepEqual(Object.keys(templates[0]?.data.facts as object), ['h1'], 'facts go with the first request that needs them');
      assert.deepEqual(templates[1]?.data.facts, {}, 'and not again');
      assert.equal(sent.filter((s) => s.type === 'SetInventory').length, 0, 'the worker has this inventory version already');
      ftl.addHost('h5', { ansible_connection: 'local', ansible_python_interpreter: '/usr/bin/python3' }, ['web']);
      const t2 = await ftl.run('web', 'command', { cmd: "echo {{ groups['web'] | join(',') }}" });
      assert.equal(t2.host('h5')?.stdout, 'h1,h2,h5');
      assert.equal(sent.filter((s) => s.type === 'SetInventory').length, 1, 'a changed inventory is sent again');
      assert.equal(sent.filter((s) => s.type === 'Template').length, 3, 'one request for the three hosts');
    } finally {
      worker.request = request;
      ftl.removeHost('h5');
    }
  });

  it('answers many concurrent requests correctly (a Templar per request and host)', async () => {
    const values = Array.from({ length: 24 }, (_, i) => [
      `{{ ${String(i)} * 2 }}|{{ inventory_hostname | upper }}|{{ range(${String(i % 5)}) | map('string') | join('-') }}|{{ '%03d' | format(${String(i)}) }}|{{ lookup('pipe', 'echo ${String(i)}') }}`,
      `${String(i * 2)}|H1|${Array.from({ length: i % 5 }, (_, k) => String(k)).join('-')}|${String(i).padStart(3, '0')}|${String(i)}`,
    ] as const);
    const answers = await Promise.all(values.map(([v]) => worker.template(scope(['h1', 'h2']), v)));
    for (const [i, [, want]] of values.entries()) assert.deepEqual(answers[i]?.get('h1'), { value: want });
  });

  it('a request in a slow lookup does not hold up the others', async () => {
    const order: string[] = [];
    const slow = worker.template(scope(['h1']), "{{ lookup('pipe', 'sleep 2; echo slow') }}").then((r) => order.push(String((r.get('h1') as { value: unknown }).value)));
    await new Promise((r) => setTimeout(r, 200));
    const quick = worker.template(scope(['h1', 'h2', 'h3']), '{{ inventory_hostname }}').then((r) => order.push(String((r.get('h3') as { value: unknown }).value)));
    await Promise.all([slow, quick]);
    assert.deepEqual(order, ['h3', 'slow']);
  });

  it('a worker that died is replaced on the next request, with the inventory sent again', async () => {
    const pid = (await worker.hello()).pid;
    assert.ok(typeof pid === 'number');
    process.kill(pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 300));
    const r = await ftl.run('h2', 'command', { cmd: 'echo {{ addr }}' });
    assert.equal(r.host('h2')?.stdout, 'lab.example');
    assert.notEqual((await worker.hello()).pid, pid);
  });

  it('closing the session ends the worker process', async () => {
    const other = await automation({ inventory: join(dir, 'inventory.yml') });
    const r = await other.run('h1', 'command', { cmd: 'echo {{ inventory_hostname }}' });
    assert.equal(r.host('h1')?.stdout, 'h1');
    const pid = (await coreOf(other).gates.ansible.hello()).pid;
    assert.ok(typeof pid === 'number');
    await other.close();
    const alive = (): boolean => isAlive(pid);
    for (let i = 0; i < 100 && alive(); i++) await new Promise((res) => setTimeout(res, 100));
    assert.equal(alive(), false, `worker ${String(pid)} still running after close()`);
  });

  it("Ansible's warnings reach the session's warnings", async () => {
    const r = await worker.template(scope(['h1']), "{{ lookup('file', 'no-such-file.txt', errors='warn') }}");
    assert.deepEqual(r.get('h1'), { value: '' });
    assert.ok(said.some((w) => /Unable to find 'no-such-file.txt'/.test(w.message)), JSON.stringify(said));
  });
});
