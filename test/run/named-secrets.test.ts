import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';
import { runInNewContext } from 'node:vm';
import { Secret, revealSecrets } from '../../src/base/secret-value.js';
import { SecretValues } from '../../src/base/secrets.js';
import { FtlError } from '../../src/base/errors.js';
import { automation } from '../../src/run/automation.js';
import { fnmatchcase, parseSecretSpec, SessionSecrets } from '../../src/run/session-secrets.js';
import { ftl, jsonLines } from '../helpers/ftl.js';

describe('a Secret shows as ******** and gives its value only to module calls', () => {
  it('inspect, String, template literals, JSON and + all show the mask; reveal() gives the value', () => {
    const s = new Secret('API_KEY', 'sk-live-123');
    assert.equal(inspect(s), '********');
    assert.equal(inspect({ key: s }), "{ key: ******** }");
    assert.equal(String(s), '********');
    assert.equal(`k=${String(s)}`, 'k=********');
    assert.equal(JSON.stringify({ key: s }), '{"key":"********"}');
    assert.equal(Object.keys(s).includes('sk-live-123'), false);
    assert.doesNotMatch(inspect(s, { showHidden: true, depth: 5 }), /sk-live/);
    assert.equal(s.reveal(), 'sk-live-123');
  });

  it('revealSecrets replaces Secrets deep in args, REPL objects (another realm) too, and leaves the input alone', () => {
    const s = new Secret('PW', 'hunter2');
    const args = { a: s, list: [1, s, { deep: s }], plain: 'x' };
    assert.deepEqual(revealSecrets(args), { a: 'hunter2', list: [1, 'hunter2', { deep: 'hunter2' }], plain: 'x' });
    assert.ok(Secret.is(args.a), 'the caller keeps its Secret');
    const fromRepl = runInNewContext('({ content: s, env: { PW: s } })', { s }) as Record<string, unknown>;
    assert.deepEqual(JSON.parse(JSON.stringify(revealSecrets(fromRepl))), { content: 'hunter2', env: { PW: 'hunter2' } });
    const untouched = { a: 1 };
    assert.equal(revealSecrets(untouched), untouched);
  });
});

describe('secret specs and binding patterns', () => {
  it('NAME is an environment variable, NAME=vault:path#field a Vault field; anything else is refused', () => {
    assert.deepEqual(parseSecretSpec('AWS_SECRET_KEY'), { name: 'AWS_SECRET_KEY' });
    assert.deepEqual(parseSecretSpec('DB_PW=vault:myapp/db#password'), { name: 'DB_PW', vault: 'myapp/db#password' });
    assert.throws(() => parseSecretSpec('not a name'), /'not a name' is not a secret name/);
    assert.throws(() => parseSecretSpec('X=file:/etc/x'), /secret 'X': 'file:\/etc\/x' is not a source/);
  });

  it('fnmatchcase as Python: * ? [seq] [!seq], case-sensitive, dots literal', () => {
    assert.ok(fnmatchcase('community.aws.s3_object', 'community.aws.*'));
    assert.ok(!fnmatchcase('community.awsx', 'community.aws.*'));
    assert.ok(!fnmatchcase('communityXaws.s3', 'community.aws.*'));
    assert.ok(fnmatchcase('uri', 'ur?'));
    assert.ok(fnmatchcase('get_url', '[gh]et_url'));
    assert.ok(!fnmatchcase('get_url', '[!g]et_url'));
    assert.ok(!fnmatchcase('URI', 'uri'));
  });
});

describe('SessionSecrets: named secrets and bindings', () => {
  it('a missing environment variable is one line naming it', async () => {
    await assert.rejects(SessionSecrets.load({ secrets: ['FTL_TEST_NOT_SET_X'] }, new SecretValues(), {}), (e: unknown) => {
      assert.ok(e instanceof FtlError);
      assert.equal(e.oneLine().split('\n').length, 1);
      assert.match(e.oneLine(), /secret 'FTL_TEST_NOT_SET_X': the environment variable FTL_TEST_NOT_SET_X is not set/);
      return true;
    });
  });

  it('values are registered for masking; bindings match the module as called, its FQCN or short name; explicit args win', async () => {
    const known = new SecretValues();
    const env = { TOKEN: 'tok-1', SLACK: 'slack-2' };
    const s = await SessionSecrets.load({ secrets: ['TOKEN'], secretBindings: { 'community.general.*': { token: 'SLACK' }, uri: { url_password: 'TOKEN' } } }, known, env);
    assert.deepEqual([...known.all()].sort(), ['slack-2', 'tok-1']);
    const slack = { called: 'slack', fqcn: 'community.general.slack', shortName: 'slack' };
    assert.deepEqual(s.inject(slack, { msg: 'hi' }), { msg: 'hi', token: 'slack-2' });
    assert.deepEqual(s.inject(slack, { msg: 'hi', token: 'mine' }), { msg: 'hi', token: 'mine' });
    assert.deepEqual(s.inject({ called: 'ansible.builtin.uri', fqcn: 'ansible.builtin.uri', shortName: 'uri' }, undefined), { url_password: 'tok-1' });
    assert.deepEqual(s.inject({ called: 'ping', fqcn: 'ansible.builtin.ping', shortName: 'ping' }, { data: 'x' }), { data: 'x' });
    assert.deepEqual(s.list(), [{ name: 'TOKEN', source: 'env' }]);
    assert.equal(inspect(s.proxy()), '[secrets: TOKEN]');
    assert.throws(() => (s.proxy() as Record<string, unknown>).NOPE, /no secret 'NOPE'; the secrets are TOKEN/);
  });

  it('a binding whose secret is not set fails the calls it applies to, naming it, unless the call gives the parameter', async () => {
    const s = await SessionSecrets.load({ secretBindings: { 'community.aws.*': { aws_secret_key: 'AWS_SECRET_KEY' } } }, new SecretValues(), {});
    const m = { called: 'community.aws.s3_bucket', fqcn: 'community.aws.s3_bucket', shortName: 's3_bucket' };
    assert.throws(() => s.inject(m, { name: 'b' }), /community\.aws\.s3_bucket: the secret binding 'community\.aws\.\*' puts AWS_SECRET_KEY into aws_secret_key, and the environment variable AWS_SECRET_KEY is not set/);
    assert.deepEqual(s.inject(m, { name: 'b', aws_secret_key: 'given' }), { name: 'b', aws_secret_key: 'given' });
    assert.deepEqual(s.inject({ called: 'ping' }, {}), {});
  });
});

describe('secrets through automation() and ftl run (localhost)', () => {
  it('a bound secret reaches the module (the file holds it) and appears nowhere in the result', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ftl-secret-'));
    process.env.FTL_TEST_BOUND = 'bound-value-5150';
    const session = await automation({ secretBindings: { copy: { content: 'FTL_TEST_BOUND' } }, stateFile: false });
    try {
      const r = await session.target('localhost').copy({ dest: join(dir, 'out.txt') });
      assert.equal(r.failed.length, 0, JSON.stringify(r));
      assert.equal(readFileSync(join(dir, 'out.txt'), 'utf8'), 'bound-value-5150');
      assert.doesNotMatch(JSON.stringify(r), /bound-value-5150/);
      assert.doesNotMatch(inspect(r, { depth: 10 }), /bound-value-5150/);
      assert.equal(r.args.content, '********');
    } finally {
      delete process.env.FTL_TEST_BOUND;
      await session.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ftl.secrets.NAME passes its value to a module; output, --json and errors show ********', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ftl-secret-'));
    try {
      const script = [
        "await ftl.local.command({ argv: ['echo', 'key:', ftl.secrets.FTL_TEST_KEY] })",
        "_.host('localhost').stdout",
        'ftl.secrets',
        'ftl.secrets.FTL_TEST_KEY',
        "await ftl.local.stat({ path: '/', bogus: ftl.secrets.FTL_TEST_KEY })",
        "throw new Error('oops ' + ftl.secrets.FTL_TEST_KEY.reveal())",
        '.secrets',
      ].join('\n');
      const env = { FTL_TEST_KEY: 'key-val-8086' };
      for (const json of [false, true]) {
        const r = await ftl(['--secret', 'FTL_TEST_KEY', ...(json ? ['--json'] : [])], { input: `${script}\n`, env, cwd: dir });
        const all = r.stdout + r.stderr;
        assert.doesNotMatch(all, /key-val-8086/, all);
        assert.match(r.stdout, json ? /"stdout":"key: \*{8}"/ : /key: \*{8}/);
        assert.match(r.stdout, /\[secrets: FTL_TEST_KEY\]/);
        assert.match(all, /oops \*{8}/);
        assert.match(r.stdout, /FTL_TEST_KEY\s+environment/);
      }
      const missing = await ftl(['run', 'localhost', 'ping', '--secret', 'FTL_TEST_NOT_SET_Y'], { cwd: dir });
      assert.equal(missing.code, 1);
      assert.equal(missing.stderr.trim().split('\n').length, 1, missing.stderr);
      assert.match(missing.stderr, /secret 'FTL_TEST_NOT_SET_Y': the environment variable FTL_TEST_NOT_SET_Y is not set/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ftl run --secret-bindings FILE injects into matching calls; --json and the table never show the value', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ftl-secret-'));
    try {
      writeFileSync(join(dir, 'bindings.yml'), "'ansible.builtin.cop?':\n  content: FTL_TEST_BOUND2\n");
      const dest = join(dir, 'dest.txt');
      const env = { FTL_TEST_BOUND2: 'bound2-value-443' };
      const r = await ftl(['run', 'localhost', 'copy', `dest=${dest}`, '--secret-bindings', join(dir, 'bindings.yml'), '--json'], { env, cwd: dir });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.equal(readFileSync(dest, 'utf8'), 'bound2-value-443');
      assert.doesNotMatch(r.stdout + r.stderr, /bound2-value-443/);
      assert.equal((jsonLines(r.stdout).at(-1)?.args as Record<string, unknown>).content, '********');
      const table = await ftl(['run', 'localhost', 'command', 'cat', dest, '--secret-bindings', join(dir, 'bindings.yml')], { env, cwd: dir });
      assert.equal(table.code, 0, table.stdout + table.stderr);
      assert.match(table.stdout, /\*{8}/);
      assert.doesNotMatch(table.stdout + table.stderr, /bound2-value-443/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
