import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseExtraVars } from '../../src/commands/extra-vars.js';
import { automationOptions } from '../../src/commands/options.js';
import { ftl, jsonLines } from '../helpers/ftl.js';

describe('the options Ansible users type', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'ftl-cli-opts-'));
    writeFileSync(join(dir, 'vars.yml'), 'port: 8080\nenabled: yes\nname: from-yaml\n');
    writeFileSync(join(dir, 'vars.json'), '{"port": 9090, "list": [1, 2]}');
    writeFileSync(join(dir, 'bad.yml'), 'a: [1\nb: 2\n');
    writeFileSync(join(dir, 'list.yml'), '- 1\n- 2\n');
    writeFileSync(join(dir, 'inv.yml'), ['web:', '  hosts:', '    w1: { ansible_connection: local, ansible_user: from-inventory, port: 1 }', '    w2: { ansible_connection: local }', ''].join('\n'));
    writeFileSync(join(dir, 'page.j2'), 'port={{ port }} user={{ ansible_user | default("none") }} host={{ inventory_hostname }}\n');
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('-e: key=value words, YAML and JSON objects, @file.yml and @file.json, later winning', () => {
    const v = parseExtraVars(['port=1 name="a b"', `@${join(dir, 'vars.yml')}`, '{"list": [3]}', `@${join(dir, 'vars.json')}`, '{when: 2024-01-02, flag: y}', 'name=last']);
    assert.deepEqual(v, { port: 9090, name: 'last', enabled: true, list: [1, 2], when: '2024-01-02', flag: 'y' });
    assert.deepEqual(parseExtraVars(['@vars.yml'], dir), { port: 8080, enabled: true, name: 'from-yaml' }, '@file is relative to the working directory');
    assert.equal(parseExtraVars([]), undefined);
  });

  it('-e trouble is one clear line each', () => {
    const cases: [string, RegExp][] = [
      [`@${join(dir, 'nope.yml')}`, /^-e @.*nope\.yml: no such file$/],
      [`@${join(dir, 'bad.yml')}`, /^-e @.*bad\.yml: YAML error at line 2: /],
      [`@${join(dir, 'list.yml')}`, /^-e @.*list\.yml does not give a mapping of variables$/],
      ['@', /^-e @ needs a file name$/],
      [join(dir, 'vars.yml'), /^-e \/.*vars\.yml: a file of variables is written with @ in front$/],
      ['justaword', /^-e takes key=value words or a JSON object \(YAML too, or @file\), not 'justaword'$/],
      ['{"a": ', /^-e '\{"a": ' is not valid YAML or JSON: /],
      ['[1, 2]', /^-e \[1, 2\] does not give a mapping of variables$/],
    ];
    for (const [value, re] of cases) {
      assert.throws(
        () => parseExtraVars([value]),
        (e: Error) => {
          assert.match(e.message, re, value);
          assert.ok(!e.message.includes('\n'), `one line for ${value}: ${e.message}`);
          return true;
        },
      );
    }
  });

  it('maps to AutomationOptions: -u, --private-key/--key-file, -c, -b, --become-user, --become-method, vault options', () => {
    const o = automationOptions({
      user: 'deploy',
      keyFile: '/k',
      connection: 'paramiko',
      become: true,
      becomeUser: 'pg',
      becomeMethod: 'ansible.builtin.su',
      extraVars: ['a=1'],
      vaultPasswordFile: ['/v1'],
      vaultPassFile: ['/v2'],
      askVaultPassword: true,
    });
    assert.deepEqual(
      { remoteUser: o.remoteUser, privateKeyFile: o.privateKeyFile, connection: o.connection, become: o.become, becomeUser: o.becomeUser, becomeMethod: o.becomeMethod },
      { remoteUser: 'deploy', privateKeyFile: '/k', connection: 'ssh', become: true, becomeUser: 'pg', becomeMethod: 'su' },
    );
    assert.deepEqual(o.extraVars, { a: '1' });
    assert.deepEqual(o.vaultPasswordFiles, ['/v1', '/v2']);
    assert.equal(o.askVaultPass, true);
    assert.equal(automationOptions({ become: 'app' }).become, 'app', '-b USER keeps meaning that user everywhere');
    assert.throws(() => automationOptions({ user: ' ' }), /-u\/--user needs a value/);
  });

  it('ftl run: -m/-a as ansible, -e over inventory vars and reaching templates, -u below ansible_user', async () => {
    const dest = join(dir, 'out');
    for (const host of ['w1', 'w2']) {
      const r = await ftl(['run', '-i', join(dir, 'inv.yml'), host, '-m', 'template', '-a', `src=${join(dir, 'page.j2')} dest="${dest}-${host}"`, '-e', 'port=8080', '-u', 'from-cli', '--json']);
      assert.equal(r.code, 0, r.stdout + r.stderr);
    }
    assert.equal(readFileSync(`${dest}-w1`, 'utf8'), 'port=8080 user=from-inventory host=w1\n', '-e beats the inventory; ansible_user beats -u');
    assert.equal(readFileSync(`${dest}-w2`, 'utf8'), 'port=8080 user=none host=w2\n', '-u is a connection default, not a variable');
    const e = await ftl(['run', '-i', join(dir, 'inv.yml'), 'w1', '-m', 'template', '-a', `src=${join(dir, 'page.j2')} dest=${dest}-e`, '-e', 'ansible_user=from-e', '-e', 'port=2']);
    assert.equal(e.code, 0, e.stdout + e.stderr);
    assert.equal(readFileSync(`${dest}-e`, 'utf8'), 'port=2 user=from-e host=w1\n', 'connection variables too');
  });

  it('options before the subcommand reach it (both orders), repeatable ones adding up', async () => {
    const inv = join(dir, 'inv.yml');
    const before = await ftl(['-i', inv, '--json', 'run', 'w1', '-m', 'command', '-a', 'echo hi']);
    const after = await ftl(['run', '-i', inv, 'w1', '-m', 'command', '-a', 'echo hi', '--json']);
    for (const r of [before, after]) {
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.equal(jsonLines(r.stdout)[0]?.host, 'w1');
    }
    const list = await ftl(['-e', 'x=1', 'inventory', '-i', inv, '-e', 'y=2', '--host', 'w2']);
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual(JSON.parse(list.stdout), { ansible_connection: 'local', x: '1', y: '2' });
    const both = await ftl(['-i', inv, 'inventory', '--list']);
    assert.deepEqual(Object.keys((JSON.parse(both.stdout) as { _meta: { hostvars: object } })._meta.hostvars), ['w1', 'w2']);
  });

  it('an option before a subcommand that does not take it is refused, saying where to look', async () => {
    const r = await ftl(['-i', join(dir, 'inv.yml'), 'lab', 'status', '--dir', dir]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim(), "ftl: -i/--inventory is not an option of 'ftl lab status' (see ftl lab status --help for the options it takes)");
  });

  it('bad -m, -c, -e and free-form words are one line each, exit 1', async () => {
    const cases: [string[], RegExp][] = [
      [['run', 'localhost', '-m', ''], /^ftl: -m needs a module name, not an empty one/],
      [['run', 'localhost', '-m', 'ping', '-c', 'docker'], /^ftl: -c\/--connection 'docker' is not supported: ftl connects with ssh or local/],
      [['run', 'localhost', '-m', 'ping', '--become-method', 'doas'], /^ftl: --become-method 'doas' is not supported/],
      [['run', 'localhost', '-m', 'ping', '-e', `@${join(dir, 'bad.yml')}`], /^ftl: -e @.*bad\.yml: YAML error at line 2: /],
      [['run', 'localhost', '-m', 'ping', '-e', '@/no/such.yml'], /^ftl: -e @\/no\/such\.yml: no such file/],
      [['run', 'localhost', '-m', 'ping', '-a', 'data=pong extra'], /^ftl: ping takes key=value args, not free-form text \('extra'\)/],
      [['run', 'localhost', '-m', 'command'], /^ftl: no argument passed to the command module/],
      [['run', 'localhost'], /^ftl: ftl run needs a module \(-m MODULE\) or a command \(-a CMD\)/],
    ];
    for (const [args, re] of cases) {
      const r = await ftl(args);
      assert.equal(r.code, 1, args.join(' '));
      assert.match(r.stderr, re, args.join(' '));
      assert.equal(r.stderr.trim().split('\n').length, 1, `one line for ${args.join(' ')}: ${r.stderr}`);
    }
  });

  it('-a without -m runs command, as ansible; --help shows the Ansible-style examples', async () => {
    const r = await ftl(['run', 'localhost', '-a', 'echo  "a b"  c=d', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((jsonLines(r.stdout)[0]?.result as { stdout: string }).stdout, 'a b c=d');
    const help = await ftl(['run', '--help']);
    assert.match(help.stdout, /ftl run web -m shell -a 'df -h \| grep \/var' -u deploy/);
    assert.match(help.stdout, /-e, --extra-vars <vars>/);
    assert.match(help.stdout, /--become-method <method>/);
  });
});
