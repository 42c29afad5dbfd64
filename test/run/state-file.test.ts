import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Secret } from '../../src/base/secret-value.js';
import { Warnings } from '../../src/base/warnings.js';
import { automation } from '../../src/run/automation.js';
import { coreOf } from '../../src/run/ftl-object.js';
import { readState, StateFile, writeState, type StateData } from '../../src/run/state-file.js';
import { ftl, jsonLines } from '../helpers/ftl.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'ftl-state-'));
}

/** A state file as FTL2 0.4.7 writes it (state.py add_host and add_resource). */
const FTL2_STATE = {
  version: 1,
  created_at: '2026-11-30T10:00:00.000000+00:00',
  updated_at: '2026-11-30T10:05:00.000000+00:00',
  hosts: {
    'minecraft-9': { ansible_host: '127.0.0.1', ansible_port: 22, groups: ['games', 'linode'], added_at: '2026-11-30T10:05:00.000000+00:00', ansible_user: 'root', ansible_connection: 'local', motd: 'hi' },
  },
  resources: { 'minecraft-9': { created_at: '2026-11-30T10:04:00.000000+00:00', provider: 'linode', ipv4: ['1.2.3.4'] } },
};

describe('the state file of provisioned hosts', () => {
  it('writes atomically (no temp file left, mode 0600) and reads back what it wrote', () => {
    const dir = tempDir();
    try {
      const path = join(dir, '.ftl2-state.json');
      const data: StateData = { ...FTL2_STATE, hosts: { ...FTL2_STATE.hosts } };
      writeState(path, data);
      assert.deepEqual(readdirSync(dir), ['.ftl2-state.json']);
      assert.equal(statSync(path).mode & 0o777, 0o600);
      const r = readState(path);
      assert.deepEqual(r, { kind: 'ok', data });
      assert.equal(readState(join(dir, 'none.json')).kind, 'missing');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a file FTL2 wrote is merged into the inventory: the host, its vars and groups; resources and other fields survive a write", async () => {
    const dir = tempDir();
    try {
      const path = join(dir, 'state.json');
      writeFileSync(path, JSON.stringify({ ...FTL2_STATE, custom: 'kept' }, null, 2));
      const session = await automation({ stateFile: path });
      try {
        assert.deepEqual(session.hosts, ['minecraft-9']);
        assert.ok(session.groups.includes('games') && session.groups.includes('linode'));
        const core = coreOf(session);
        assert.equal(core.inventory.varsOf('minecraft-9').motd, 'hi');
        assert.equal(core.inventory.varsOf('minecraft-9').ansible_user, 'root');
        assert.equal(core.inventory.varsOf('minecraft-9').groups, undefined, 'groups is not a host variable');
        const r = await session.target('games').ping();
        assert.deepEqual(r.ok, ['minecraft-9']);
        session.addHost('web05', { ansible_connection: 'local' }, ['web']);
      } finally {
        await session.close();
      }
      const after = JSON.parse(readFileSync(path, 'utf8')) as StateData;
      assert.deepEqual(Object.keys(after.hosts).sort(), ['minecraft-9', 'web05']);
      assert.deepEqual(after.resources, FTL2_STATE.resources);
      assert.equal(after.custom, 'kept');
      assert.equal(after.created_at, FTL2_STATE.created_at);
      const web05 = after.hosts.web05 ?? {};
      assert.deepEqual(web05.groups, ['web']);
      assert.match(String(web05.added_at), /^\d{4}-\d\d-\d\dT/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('passwords and secrets are never persisted (by name, a Secret, or a value the session knows); a warning names them', async () => {
    const dir = tempDir();
    const said: string[] = [];
    process.env.FTL_TEST_STATE_SECRET = 'state-secret-value-1';
    try {
      const path = join(dir, 'state.json');
      const session = await automation({ stateFile: false, secrets: ['FTL_TEST_STATE_SECRET'], warnings: new Warnings((w) => said.push(`${w.host ?? ''}: ${w.message}`)) });
      try {
        assert.throws(() => { session.addHost('x', {}, [], { persist: true }); }, /cannot persist x: this session has no state file/);
      } finally {
        await session.close();
      }
      const file = new StateFile(path, () => {
        /* no corrupt file here */
      });
      const dropped = file.addHost('db01', { ansible_host: '10.0.0.9', ansible_password: 'pw1', ansible_become_password: 'pw2', ansible_ssh_pass: 'pw3', db_password: 'pw4', api_token: 'pw5', key: new Secret('K', 'zzz'), note: 'has known-value inside', port: 5432 }, ['db'], ['known-value']);
      assert.deepEqual(dropped.sort(), ['ansible_become_password', 'ansible_password', 'ansible_ssh_pass', 'api_token', 'db_password', 'key', 'note']);
      const text = readFileSync(path, 'utf8');
      assert.doesNotMatch(text, /pw[1-5]|zzz|known-value/);
      const db01 = (JSON.parse(text) as StateData).hosts.db01;
      assert.deepEqual(db01, { ansible_host: '10.0.0.9', port: 5432, groups: ['db'], added_at: db01?.added_at });

      const s2 = await automation({ stateFile: path, secrets: ['FTL_TEST_STATE_SECRET'], warnings: new Warnings((w) => said.push(`${w.host ?? ''}: ${w.message}`)) });
      try {
        s2.addHost('web07', { ansible_connection: 'local', ansible_password: s2.secrets.FTL_TEST_STATE_SECRET, token_hint: 'x' });
        // The session itself has the password, as a value.
        assert.equal(coreOf(s2).inventory.varsOf('web07').ansible_password, 'state-secret-value-1');
      } finally {
        await s2.close();
      }
      assert.doesNotMatch(readFileSync(path, 'utf8'), /state-secret-value-1/);
      assert.ok(said.some((l) => /^web07: ansible_password not written to .*state\.json \(passwords and secrets are never persisted\)/.test(l)), said.join('\n'));
    } finally {
      delete process.env.FTL_TEST_STATE_SECRET;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a corrupt state file is reported and moved aside to <file>.corrupt-<time>, never overwritten; ftl state list refuses it untouched', async () => {
    const dir = tempDir();
    try {
      const path = join(dir, '.ftl2-state.json');
      writeFileSync(path, '{"version": 1, "hosts": {"web01": ');
      const list = await ftl(['state', 'list'], { cwd: dir });
      assert.equal(list.code, 1);
      assert.equal(list.stderr.trim().split('\n').length, 1, list.stderr);
      assert.match(list.stderr, /the state file .*\.ftl2-state\.json could not be read \(it is not valid JSON/);
      assert.equal(readFileSync(path, 'utf8'), '{"version": 1, "hosts": {"web01": ', 'state list leaves it as it is');

      const r = await ftl(['run', 'localhost', 'ping'], { cwd: dir });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stderr, /warning: the state file .*\.ftl2-state\.json could not be read \(it is not valid JSON.*\); moved it to .*\.ftl2-state\.json\.corrupt-\d{8}T\d{6}Z and started with no saved hosts/);
      const aside = readdirSync(dir).filter((f) => f.startsWith('.ftl2-state.json.corrupt-'));
      assert.equal(aside.length, 1);
      assert.equal(readFileSync(join(dir, aside[0] ?? ''), 'utf8'), '{"version": 1, "hosts": {"web01": ');
      assert.equal(existsSync(path), false, 'nothing was written in its place by a session that saved nothing');

      writeFileSync(path, JSON.stringify({ version: 1, hosts: [] }));
      const warned: string[] = [];
      const file = new StateFile(path, (m) => warned.push(m));
      file.addHost('web02', { ansible_host: '10.0.0.2' }, [], []);
      assert.match(warned.join('\n'), /'hosts' is not an object\); moved it to/);
      assert.deepEqual(Object.keys((JSON.parse(readFileSync(path, 'utf8')) as StateData).hosts), ['web02']);
      assert.equal(readdirSync(dir).filter((f) => f.includes('.corrupt-')).length, 2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a host added with persist survives into a second ftl process; ftl state list shows it, removeHost and ftl state rm remove it', async () => {
    const dir = tempDir();
    try {
      const add = "ftl.addHost('saved01', { ansible_connection: 'local', ansible_password: 'never-saved-42' }, ['provisioned'], { persist: true })\nftl.hosts\n";
      const first = await ftl([], { input: add, cwd: dir });
      assert.equal(first.code, 0, first.stdout + first.stderr);
      assert.match(first.stderr, /saved01: ansible_password not written/);

      const second = await ftl(['run', 'provisioned', 'ping', '--json'], { cwd: dir });
      assert.equal(second.code, 0, second.stdout + second.stderr);
      assert.deepEqual(jsonLines(second.stdout).filter((l) => 'host' in l).map((l) => [l.host, l.status]), [['saved01', 'ok']]);

      const list = await ftl(['state', 'list'], { cwd: dir });
      assert.equal(list.code, 0, list.stderr);
      assert.match(list.stdout, /\.ftl2-state\.json: 1 host, 0 resources/);
      assert.match(list.stdout, /saved01\s+saved01\s+provisioned/);
      assert.doesNotMatch(readFileSync(join(dir, '.ftl2-state.json'), 'utf8'), /never-saved-42/);

      const removed = await ftl([], { input: "ftl.removeHost('saved01')\n", cwd: dir });
      assert.equal(removed.code, 0, removed.stdout + removed.stderr);
      assert.deepEqual((JSON.parse(readFileSync(join(dir, '.ftl2-state.json'), 'utf8')) as StateData).hosts, {});

      writeFileSync(join(dir, 'other.json'), JSON.stringify(FTL2_STATE));
      const rm = await ftl(['state', 'rm', 'minecraft-9', '--state-file', 'other.json'], { cwd: dir });
      assert.equal(rm.code, 0, rm.stderr);
      assert.match(rm.stdout, /removed minecraft-9 from .*other\.json/);
      const left = JSON.parse(readFileSync(join(dir, 'other.json'), 'utf8')) as StateData;
      assert.deepEqual([left.hosts, left.resources], [{}, {}]);
      const unknown = await ftl(['state', 'rm', 'nope', '--state-file', 'other.json'], { cwd: dir });
      assert.equal(unknown.code, 1);
      assert.match(unknown.stderr, /no host or resource 'nope' in .*other\.json/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
