import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SecretValues } from '../../src/base/secrets.js';
import { readVaultSecrets } from '../../src/run/vault-kv.js';
import { SessionSecrets } from '../../src/run/session-secrets.js';
import { ftl } from '../helpers/ftl.js';

const TOKEN = 'hvs.test-token-31337';

/** A small server that speaks Vault's KV v2 read API: GET /v1/<mount>/data/<path> with X-Vault-Token. */
function kvServer(store: Record<string, Record<string, unknown> | null>): { server: Server; requests: { url: string; headers: IncomingMessage['headers'] }[] } {
  const requests: { url: string; headers: IncomingMessage['headers'] }[] = [];
  const server = createServer((req, res) => {
    requests.push({ url: req.url ?? '', headers: req.headers });
    const reply = (status: number, body: unknown): void => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'GET') { reply(405, { errors: [] }); return; }
    if (req.headers['x-vault-token'] !== TOKEN) { reply(403, { errors: ['permission denied'] }); return; }
    const m = /^\/v1\/([^/]+)\/data\/(.+)$/.exec(req.url ?? '');
    const key = m === null ? undefined : `${m[1]}/${decodeURIComponent(m[2] ?? '')}`;
    if (key === undefined || !(key in store)) { reply(404, { errors: [] }); return; }
    const data = store[key];
    const metadata = { created_time: '2026-01-01T00:00:00Z', deletion_time: data === null ? '2026-01-02T00:00:00Z' : '', destroyed: false, version: 3 };
    // A deleted latest version: Vault answers 404 with the metadata and data: null.
    if (data === null) { reply(404, { data: { data: null, metadata } }); return; }
    reply(200, { request_id: 'x', lease_id: '', renewable: false, lease_duration: 0, data: { data, metadata }, wrap_info: null, warnings: null, auth: null });
  });
  return { server, requests };
}

describe('HashiCorp Vault KV v2, read with plain HTTP requests against a local server', () => {
  const { server, requests } = kvServer({
    'secret/myapp/db': { password: 'db-pw-from-vault', user: 'app' },
    'secret/myapp/api': { token: 'api-tok-from-vault', port: 8443 },
    'kv/other': { key: 'from-other-mount' },
    'secret/gone': null,
  });
  let addr = '';
  before(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    addr = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.close();
  });

  it('reads path#field values, each path once, with the token header (and the namespace when set)', async () => {
    requests.length = 0;
    const got = await readVaultSecrets({ DB_PW: 'myapp/db#password', DB_USER: 'myapp/db#user', PORT: 'myapp/api#port' }, { addr, token: TOKEN, namespace: 'team-a' });
    assert.deepEqual(got, { DB_PW: 'db-pw-from-vault', DB_USER: 'app', PORT: '8443' });
    assert.deepEqual(requests.map((r) => r.url).sort(), ['/v1/secret/data/myapp/api', '/v1/secret/data/myapp/db']);
    assert.equal(requests[0]?.headers['x-vault-namespace'], 'team-a');
    const other = await readVaultSecrets({ K: 'other#key' }, { addr, token: TOKEN, mount: 'kv' });
    assert.deepEqual(other, { K: 'from-other-mount' });
  });

  it('403, 404, a deleted version, a missing field, no VAULT_ADDR/TOKEN and a dead server are clear one-line errors without the token', async () => {
    const cases: [() => Promise<unknown>, RegExp][] = [
      [() => readVaultSecrets({ X: 'myapp/db#password' }, { addr, token: 'wrong' }), /Vault refused to read secret\/myapp\/db \(for X\): permission denied \(VAULT_TOKEN is expired or its policy/],
      [() => readVaultSecrets({ X: 'nope/here#f' }, { addr, token: TOKEN }), /Vault has no secret at secret\/nope\/here \(for X\)/],
      [() => readVaultSecrets({ X: 'gone#f' }, { addr, token: TOKEN }), /the latest version of secret\/gone \(for X\) is deleted in Vault/],
      [() => readVaultSecrets({ X: 'myapp/db#pasword' }, { addr, token: TOKEN }), /Vault secret secret\/myapp\/db has no field 'pasword' \(for X\); it has password, user/],
      [() => readVaultSecrets({ X: 'myapp/db' }, { addr, token: TOKEN }), /the Vault reference 'myapp\/db' is not path#field/],
      [() => readVaultSecrets({ X: 'a#b' }, { token: TOKEN }), /VAULT_ADDR is not set; it is needed to read X from Vault/],
      [() => readVaultSecrets({ X: 'a#b' }, { addr }), /VAULT_TOKEN is not set/],
      [() => readVaultSecrets({ X: 'a#b' }, { addr: 'http://127.0.0.1:1', token: TOKEN }), /cannot reach Vault at http:\/\/127\.0\.0\.1:1 to read secret\/a \(for X\)/],
    ];
    for (const [p, re] of cases) {
      await assert.rejects(p(), (e: unknown) => {
        const text = e instanceof Error && 'oneLine' in e ? (e as { oneLine(): string }).oneLine() : String(e);
        assert.match(text, re);
        assert.equal(text.split('\n').length, 1);
        assert.doesNotMatch(text, /test-token/);
        return true;
      });
    }
  });

  it('vaultSecrets (FTL2) and NAME=vault:path#field become ftl.secrets, registered for masking, and usable in bindings', async () => {
    const known = new SecretValues();
    const env = { VAULT_ADDR: addr, VAULT_TOKEN: TOKEN };
    const s = await SessionSecrets.load({ vaultSecrets: { DB_PW: 'myapp/db#password' }, secrets: ['API=vault:myapp/api#token'], secretBindings: { uri: { url_password: 'API' } } }, known, env);
    assert.deepEqual(s.list(), [{ name: 'API', source: 'vault' }, { name: 'DB_PW', source: 'vault' }]);
    assert.equal(s.get('DB_PW').reveal(), 'db-pw-from-vault');
    assert.equal(String(s.get('DB_PW')), '********');
    assert.deepEqual([...known.all()].sort(), ['api-tok-from-vault', 'db-pw-from-vault']);
    assert.deepEqual(s.inject({ called: 'uri' }, { url: 'http://x' }), { url: 'http://x', url_password: 'api-tok-from-vault' });
  });

  it('ftl run --secret NAME=vault:path#field puts the Vault value in a call and shows ********', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ftl-vault-'));
    try {
      const script = "await ftl.local.command({ argv: ['echo', ftl.secrets.DB_PW] })\n";
      const r = await ftl(['--secret', 'DB_PW=vault:myapp/db#password', '--json'], { input: script, env: { VAULT_ADDR: addr, VAULT_TOKEN: TOKEN }, cwd: dir });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /"stdout":"\*{8}"/);
      assert.doesNotMatch(r.stdout + r.stderr, /db-pw-from-vault/);
      const refused = await ftl(['run', 'localhost', 'ping', '--secret', 'DB_PW=vault:myapp/db#password'], { env: { VAULT_ADDR: addr, VAULT_TOKEN: 'bad' }, cwd: dir });
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /Vault refused to read secret\/myapp\/db \(for DB_PW\): permission denied/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
