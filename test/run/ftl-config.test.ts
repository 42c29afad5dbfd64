import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadFtlConfig, readFtlConfigFile } from '../../src/run/ftl-config.js';
import { ftl } from '../helpers/ftl.js';

describe("ftl's settings files (~/.ftl/config.yml, ./.ftl.yml)", () => {
  let root: string;
  let home: string;
  let project: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'ftl-config-'));
    home = join(root, 'home');
    project = join(root, 'project');
    mkdirSync(join(home, '.ftl'), { recursive: true });
    mkdirSync(project);
  });
  after(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('reads every setting, paths from the file’s own directory, the project over the user', () => {
    writeFileSync(join(home, '.ftl', 'config.yml'), 'guard: 25\nobserve: false\nenvironment: staging\n');
    writeFileSync(
      join(project, '.ftl.yml'),
      [
        'policy: policies',
        'environment: prod',
        'audit_dir: ~/audit-here',
        'secrets: [AWS_SECRET_KEY]',
        "secret_bindings: { 'community.aws.*': { aws_secret_key: AWS_SECRET_KEY } }",
        'gate_modules: [lineinfile]',
        'state_file: state.json',
      ].join('\n'),
    );
    const c = loadFtlConfig({}, project, home);
    assert.deepEqual(c.files, [join(home, '.ftl', 'config.yml'), join(project, '.ftl.yml')]);
    assert.equal(c.options.guard, 25, 'from the user file');
    assert.equal(c.options.observe, false);
    assert.equal(c.options.environment, 'prod', 'the project wins');
    assert.equal(c.options.policy, join(project, 'policies'));
    assert.equal(c.options.stateFile, join(project, 'state.json'));
    assert.match(String(c.options.auditDir), /\/audit-here$/);
    assert.deepEqual(c.options.secrets, ['AWS_SECRET_KEY']);
    assert.deepEqual(c.options.secretBindings, { 'community.aws.*': { aws_secret_key: 'AWS_SECRET_KEY' } });
    assert.deepEqual(c.options.gateModules, ['lineinfile']);
    // An environment variable wins over a file.
    const env = loadFtlConfig({ FTL_POLICY: '/elsewhere', FTL_AUDIT_DIR: '/tmp/a' }, project, home);
    assert.equal(env.options.policy, undefined);
    assert.equal(env.options.auditDir, undefined);
  });

  it('bad files: one line naming the file, the line or the key, and the fix', () => {
    const f = join(root, 'bad.yml');
    writeFileSync(f, 'gaurd: 5\n');
    assert.throws(() => readFtlConfigFile(f), /bad\.yml: unknown setting 'gaurd'; did you mean 'guard'\?/);
    writeFileSync(f, 'guard: [1\n');
    assert.throws(() => readFtlConfigFile(f), /YAML error in .*bad\.yml line \d/);
    writeFileSync(f, 'guard: lots\n');
    assert.throws(() => readFtlConfigFile(f), /bad\.yml: guard must be a number of hosts or off, not "lots"/);
    writeFileSync(f, '- hosts: all\n  tasks: []\n');
    assert.throws(() => readFtlConfigFile(f), /bad\.yml must be a map of settings .* not a list/);
    assert.throws(() => loadFtlConfig({ FTL_CONFIG: join(root, 'nope.yml') }, project, home), /FTL_CONFIG names .*nope\.yml, which does not exist/);
    writeFileSync(f, '');
    assert.deepEqual(readFtlConfigFile(f), {}, 'an empty file is no settings');
  });

  it("ftl run in a project: its .ftl.yml's policy denies, its audit_dir records; the command line still wins", async () => {
    const dir = join(root, 'run');
    mkdirSync(dir);
    writeFileSync(join(dir, 'policy.yml'), 'rules:\n  - decision: deny\n    match:\n      module: command\n    reason: no commands here\n');
    writeFileSync(join(dir, '.ftl.yml'), 'policy: policy.yml\naudit_dir: audit\n');
    const env = { HOME: home, FTL_AUDIT_DIR: '', FTL_POLICY: '' };
    const denied = await ftl(['run', 'localhost', 'command', 'cmd=touch made'], { cwd: dir, env });
    assert.equal(denied.code, 5, denied.stdout + denied.stderr);
    assert.match(denied.stderr + denied.stdout, /denied by policy rule policy\.yml#1 \(no commands here\)|no commands here/);
    assert.equal(existsSync(join(dir, 'made')), false, 'nothing touched');
    const audit = join(dir, 'audit');
    const lines = readdirSync(audit).flatMap((f) => readFileSync(join(audit, f), 'utf8').trim().split('\n'));
    assert.ok(lines.some((l) => l.includes('"deny"') || l.includes('denied')), `the denial is in the audit the file names: ${lines.join('\n')}`);
    // --policy on the command line wins over the file.
    writeFileSync(join(dir, 'open.yml'), 'rules: []\n');
    const allowed = await ftl(['run', 'localhost', 'command', 'cmd=touch made', '--policy', join(dir, 'open.yml')], { cwd: dir, env });
    assert.equal(allowed.code, 0, allowed.stdout + allowed.stderr);
    const settings = await ftl([], { cwd: dir, env, input: '.settings\n' });
    assert.match(settings.stdout, new RegExp(`ftl's settings files: .*${join(dir, '.ftl.yml').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    const broken = await ftl(['run', 'localhost', 'ping'], { cwd: dir, env: { ...env, FTL_CONFIG: join(root, 'bad.yml') } });
    assert.equal(broken.code, 0, 'an empty FTL_CONFIG file is fine');
    writeFileSync(join(root, 'bad.yml'), 'polcy: x\n');
    const typo = await ftl(['run', 'localhost', 'ping'], { cwd: dir, env: { ...env, FTL_CONFIG: join(root, 'bad.yml') } });
    assert.equal(typo.code, 1, typo.stdout + typo.stderr);
    assert.match(typo.stderr, /unknown setting 'polcy'; did you mean 'policy'\?/);
  });
});
