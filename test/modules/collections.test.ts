// @tier full: real sshd, Ansible or tmux (see scripts/run-tests.mjs)
import { describe, it, before, after } from 'node:test';
import { execFile } from 'node:child_process';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureGate } from '../../src/gate/pyz.js';
import { spawnLocalGate } from '../../src/gate/local.js';
import { GateClient } from '../../src/gate/client.js';
import { collectionModuleUtils, pythonName } from '../../src/modules/deps.js';
import { buildModuleRequest, interpretReply } from '../../src/modules/request.js';
import { automation, type Ftl } from '../../src/run/automation.js';
import { gatePayload } from '../../src/hosts/gate-build.js';
import { normalise, runAnsibleCalls, type AnsibleCall } from '../helpers/ansible.js';
import { fixtureIndex, PYTHON } from './module-gate.js';

/** Ansible's own answer: the collection files AnsiballZ puts in a module's zip (package __init__ files aside). */
const RECURSIVE_FINDER = `
import io, json, sys, warnings, zipfile
warnings.simplefilter("ignore")
from ansible.executor import module_common as mc
from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder
_AnsibleCollectionFinder(paths=[sys.argv[1]])._install()
out = {}
for path in json.load(sys.stdin):
    fqn = mc._get_ansible_module_fqn(path)
    zf = zipfile.ZipFile(io.BytesIO(), "w")
    mc.recursive_finder(fqn.split(".")[-1], fqn, open(path, "rb").read(), zf)
    out[path] = sorted(n for n in zf.namelist() if n.startswith("ansible_collections/") and not n.endswith("/__init__.py"))
print(json.dumps(out))
`;

describe('collection modules and their module_utils', () => {
  let ftl: Ftl;
  let dir: string;
  before(async () => {
    ftl = await automation();
    dir = mkdtempSync(join(tmpdir(), 'ftl-collections-'));
  });
  after(async () => {
    await ftl.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds the module_utils files AnsiballZ ships: relative and absolute imports, transitively, across collections', async () => {
    const modules = await fixtureIndex();
    const names = [
      'community.general.ini_file', // none
      'ansible.posix.sysctl', // none
      'community.general.kernel_blacklist', // module_helper, which imports mh/*, which import each other
      'community.general.xfconf', // cmd_runner and module_helper
      'community.general.gitlab_user', // gitlab, which imports version
      'community.aws.s3_lifecycle', // amazon.aws's module_utils (relative imports among them), from another collection
      'sensu.sensu_go.asset', // relative imports in the module itself
    ];
    const infos = names.map((n) => {
      const info = modules.resolve(n);
      if (info?.path === undefined) throw new Error(`${n} is not installed`);
      return { name: n, path: info.path, fqn: pythonName(info.path, info.shortName) };
    });
    const root = modules.collectionRoots[0] ?? '';
    const theirs = JSON.parse(await runWithInput(PYTHON, ['-c', RECURSIVE_FINDER, root.replace(/\/ansible_collections$/, '')], JSON.stringify(infos.map((i) => i.path)))) as Record<string, string[]>;
    let nested = 0;
    for (const i of infos) {
      const ours = collectionModuleUtils(i.path, i.fqn, modules.collectionRoots)
        .map((f) => f.rel)
        .filter((r) => !r.endsWith('/__init__.py'));
      assert.deepEqual(ours, theirs[i.path], i.name);
      nested = Math.max(nested, ours.length);
    }
    assert.ok(nested >= 10, 'some module needs many files');
  });

  it('ini_file and sysctl (check mode) through ftl return what ansible returns', async () => {
    const ini = join(dir, 'x.ini');
    const calls: AnsibleCall[] = [
      { module: 'community.general.ini_file', args: { path: ini, section: 'main', option: 'a', value: '1' } },
      { module: 'community.general.ini_file', args: { path: ini, section: 'main', option: 'a', value: '1' } },
      { module: 'community.general.ini_file', args: { path: ini, section: 'main', option: 'b', value: '2' }, check: true },
      { module: 'community.general.ini_file', args: { path: ini, section: 'main', option: 'a', state: 'absent' } },
      { module: 'ansible.posix.sysctl', args: { name: 'vm.swappiness', value: '17', sysctl_file: join(dir, 'sysctl.conf') }, check: true },
      { module: 'ansible.posix.sysctl', args: { name: 'net.ipv4.ip_forward', value: '1', sysctl_set: true, sysctl_file: join(dir, 'sysctl.conf') }, check: true },
    ];
    const reset = (): void => {
      rmSync(ini, { force: true });
      writeFileSync(join(dir, 'sysctl.conf'), '# empty\n');
    };
    reset();
    const theirs = await runAnsibleCalls('localhost', calls);
    const after = readFileSync(ini, 'utf8');
    reset();
    for (const [i, c] of calls.entries()) {
      const ours = (await ftl.run('localhost', c.module, c.args, { check: c.check === true })).host('localhost') ?? {};
      assert.deepEqual(normalise(ours), normalise(theirs[i]), `${c.module} ${JSON.stringify(c.args)}${c.check === true ? ' (check)' : ''}`);
    }
    assert.equal(readFileSync(ini, 'utf8'), after, 'the same file in the end');
    assert.equal(readFileSync(join(dir, 'sysctl.conf'), 'utf8'), '# empty\n', 'check mode wrote nothing');
  });

  it('sends module_utils once per gate; a host that lost them gets them again', async () => {
    const home = mkdtempSync(join(tmpdir(), 'ftl-collections-home-'));
    const cacheDir = mkdtempSync(join(tmpdir(), 'ftl-collections-gate-'));
    const build = await ensureGate({ cacheDir, extra: await gatePayload() });
    const session = await GateClient.open(spawnLocalGate(build.path, { python: PYTHON, env: { ...process.env, HOME: home } }), { host: 'localhost' });
    try {
      const modules = await fixtureIndex();
      const info = modules.resolve('community.general.kernel_blacklist');
      assert.ok(info !== undefined);
      const file = join(dir, 'blacklist.conf');
      const opts = { check: false, diff: false, verbosity: 0, ansibleVersion: modules.ansibleVersion, collectionRoots: modules.collectionRoots };
      // This controller believes the gate has every file already: it sends names and hashes only.
      const full = buildModuleRequest(info, { name: 'lost', blacklist_file: file }, { ...opts, sentHashes: new Set() });
      const hashes = new Set([String(full.data.module_hash), ...(full.data.module_utils as { hash: string }[]).map((u) => u.hash)]);
      const bare = buildModuleRequest(info, { name: 'lost', blacklist_file: file }, { ...opts, sentHashes: hashes });
      assert.equal(bare.data.module, undefined);
      const utils = bare.data.module_utils as Record<string, unknown>[];
      assert.ok(utils.length >= 10 && utils.every((u) => u.source === undefined && typeof u.hash === 'string'));
      const lost = await session.request(bare.type, bare.data);
      assert.equal(lost.type, 'ModuleNotFound', JSON.stringify(lost.data));
      assert.ok(bare.withSource !== undefined);
      const again = bare.withSource();
      const sent = await session.request(again.type, again.data);
      assert.deepEqual(interpretReply(sent, info.fqcn).result.lines, ['blacklist lost']);
      // Now the host keeps them: names and hashes are enough, in this session and the next.
      const next = await session.request(bare.type, { ...bare.data, module_args: { ...bare.data.module_args as object, name: 'kept' } });
      assert.equal(next.type, 'ModuleResult', JSON.stringify(next.data));
      assert.deepEqual(readFileSync(file, 'utf8'), 'blacklist lost\nblacklist kept\n');
    } finally {
      await session.close();
      rmSync(home, { recursive: true, force: true });
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });
});

function runWithInput(cmd: string, args: string[], input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { maxBuffer: 64 * 1024 * 1024, timeout: 120_000 }, (err, stdout, stderr) => {
      if (err !== null) reject(new Error(`${cmd} failed: ${stderr || err.message}`));
      else resolve(stdout);
    });
    child.stdin?.end(input);
  });
}
