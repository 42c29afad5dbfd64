import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Inventory } from '../../src/inventory/index.js';
import { ParseCache } from '../../src/inventory/parse-cache.js';
import { readYaml } from '../../src/inventory/sources.js';
import type { VaultItem, VaultOutcome } from '../../src/inventory/vault.js';

/** A project: an inventory of `hosts` hosts, group_vars for all and web, host_vars for web1; the cache in its own directory. */
function project(hosts = 3): { dir: string; cache: string; inv: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'ftl-parse-cache-'));
  mkdirSync(join(dir, 'group_vars'));
  mkdirSync(join(dir, 'host_vars'));
  let y = 'all:\n  children:\n    web:\n      vars:\n        tier: front\n      hosts:\n';
  for (let i = 1; i <= hosts; i++) y += `        web${String(i)}:\n          ansible_host: 10.0.0.${String(i)}\n`;
  writeFileSync(join(dir, 'inv.yml'), y);
  writeFileSync(join(dir, 'group_vars', 'all.yml'), 'ntp: pool.ntp.org\n');
  writeFileSync(join(dir, 'group_vars', 'web.yml'), 'port: 8080\n');
  writeFileSync(join(dir, 'host_vars', 'web1.yml'), 'rack: r1\n');
  return { dir, cache: join(dir, 'cache'), inv: join(dir, 'inv.yml'), done: () => { rmSync(dir, { recursive: true, force: true }); } };
}

const entries = (cache: string): string[] => readdirSync(cache).map((n) => join(cache, n));

/** Loads with the cache for every file, small ones too, and reads every host's vars (vars files are read on demand); counts what was parsed. */
async function load(p: { inv: string; cache: string }, parsed: string[] = []): Promise<Inventory> {
  const inv = await Inventory.load([p.inv], {
    parseCache: {
      dir: p.cache,
      minBytes: 0,
      onParse: (file) => {
        parsed.push(file);
      },
    },
  });
  for (const h of inv.hostNames) inv.varsOf(h);
  return inv;
}

/** Rewrites a file with new text of the same size and its old mtime: only the content tells the change. */
function sneakyEdit(path: string, from: string, to: string): void {
  assert.equal(from.length, to.length);
  const st = statSync(path);
  const text = readFileSync(path, 'utf8');
  assert.ok(text.includes(from));
  writeFileSync(path, text.replace(from, to));
  utimesSync(path, st.atime, st.mtime);
}

describe('the inventory parse cache', () => {
  it('a second load parses nothing and gives the same inventory; entries are 0600 in a 0700 directory', async () => {
    const p = project();
    try {
      const first: string[] = [];
      const a = await load(p, first);
      const before = a.hostNames.map((h) => a.varsOf(h));
      assert.deepEqual(first.sort(), [join(p.dir, 'group_vars', 'all.yml'), join(p.dir, 'group_vars', 'web.yml'), join(p.dir, 'host_vars', 'web1.yml'), p.inv].sort());
      const second: string[] = [];
      const b = await load(p, second);
      assert.deepEqual(second, [], 'everything came from the cache');
      assert.deepEqual(b.hostNames.map((h) => b.varsOf(h)), before);
      assert.equal(b.varsOf('web1').rack, 'r1');
      assert.equal(statSync(p.cache).mode & 0o777, 0o700);
      for (const e of entries(p.cache)) assert.equal(statSync(e).mode & 0o777, 0o600, e);
      assert.equal(entries(p.cache).length, 4);
      assert.ok(entries(p.cache).every((e) => e.endsWith('.json')), 'no temporary file left behind');
    } finally {
      p.done();
    }
  });

  it('what a hit gives is the entry: a tampered value with the file unchanged is what comes back (the cache is really read)', async () => {
    const p = project();
    try {
      await load(p);
      for (const e of entries(p.cache)) writeFileSync(e, readFileSync(e, 'utf8').replace('r1', 'r9'));
      assert.equal((await load(p)).varsOf('web1').rack, 'r9');
    } finally {
      p.done();
    }
  });

  for (const [kind, file, from, to, check] of [
    ['the inventory file', 'inv.yml', '10.0.0.2', '10.0.0.7', (inv: Inventory) => { assert.equal(inv.varsOf('web2').ansible_host, '10.0.0.7'); }],
    ['a group_vars file', 'group_vars/web.yml', '8080', '9090', (inv: Inventory) => { assert.equal(inv.varsOf('web2').port, 9090); }],
    ['group_vars/all', 'group_vars/all.yml', 'pool', 'tool', (inv: Inventory) => { assert.equal(inv.varsOf('web3').ntp, 'tool.ntp.org'); }],
    ['a host_vars file', 'host_vars/web1.yml', 'r1', 'r2', (inv: Inventory) => { assert.equal(inv.varsOf('web1').rack, 'r2'); }],
  ] as const) {
    it(`an edit of ${kind} is seen, even with the same size and mtime`, async () => {
      const p = project();
      try {
        await load(p);
        await load(p);
        sneakyEdit(join(p.dir, file), from, to);
        const parsed: string[] = [];
        check(await load(p, parsed));
        assert.deepEqual(parsed, [join(p.dir, file)], 'only the edited file is parsed again');
        const again: string[] = [];
        check(await load(p, again));
        assert.deepEqual(again, [], 'and cached anew');
      } finally {
        p.done();
      }
    });
  }

  it('a file replaced by another (a new inode; same text, size and mtime) is parsed again', async () => {
    const p = project();
    try {
      await load(p);
      const st = statSync(p.inv);
      writeFileSync(`${p.inv}.new`, readFileSync(p.inv));
      renameSync(`${p.inv}.new`, p.inv);
      utimesSync(p.inv, st.atime, st.mtime);
      assert.notEqual(statSync(p.inv).ino, st.ino);
      const parsed: string[] = [];
      await load(p, parsed);
      assert.deepEqual(parsed, [p.inv]);
    } finally {
      p.done();
    }
  });

  it('vault-encrypted files and files with !vault values are never cached; decrypted values never reach the cache', async () => {
    const p = project();
    try {
      const HEADER = '$ANSIBLE_VAULT;1.1;AES256\n';
      const enc = (plain: string): string => `${HEADER}${Buffer.from(plain).toString('base64')}`;
      const vault = (items: readonly VaultItem[]): Promise<VaultOutcome[]> => Promise.resolve(items.map((i) => ({ plaintext: Buffer.from(i.vaulttext.slice(HEADER.length), 'base64').toString('utf8') })));
      writeFileSync(join(p.dir, 'group_vars', 'web.yml'), enc('db_password: s3cret-whole-file\n'));
      const block = enc('s3cret-value').split('\n').map((l) => `  ${l}`).join('\n');
      writeFileSync(join(p.dir, 'host_vars', 'web1.yml'), `rack: r1\napi_token: !vault |\n${block}\n`);
      for (let round = 0; round < 2; round++) {
        const inv = await Inventory.load([p.inv], { vault, parseCache: { dir: p.cache, minBytes: 0 } });
        assert.equal(inv.varsOf('web1').db_password, 's3cret-whole-file');
        assert.equal(inv.varsOf('web1').api_token, 's3cret-value');
      }
      const cached = entries(p.cache).map((e) => readFileSync(e, 'utf8'));
      assert.equal(cached.length, 2, 'only inv.yml and group_vars/all.yml');
      for (const text of cached) {
        assert.ok(!text.includes('s3cret'), 'no plaintext secret in the cache');
        assert.ok(!text.includes('ANSIBLE_VAULT'), 'nor any vaulted file');
      }
    } finally {
      p.done();
    }
  });

  it('a corrupt entry is ignored without a word, and written anew', async () => {
    const p = project();
    try {
      const want = (await load(p)).varsOf('web1');
      for (const [i, e] of entries(p.cache).entries()) writeFileSync(e, ['{"value":', '', 'garbage\u0000', 'null', '{"format":1}'][i % 5] ?? '');
      const parsed: string[] = [];
      assert.deepEqual((await load(p, parsed)).varsOf('web1'), want);
      assert.equal(parsed.length, 4);
      const again: string[] = [];
      await load(p, again);
      assert.deepEqual(again, []);
    } finally {
      p.done();
    }
  });

  it('an entry of another build is not used', async () => {
    const p = project();
    try {
      await load(p);
      for (const e of entries(p.cache)) {
        const entry = JSON.parse(readFileSync(e, 'utf8')) as { stamp: string };
        writeFileSync(e, JSON.stringify({ ...entry, stamp: `${entry.stamp}-other` }).replace('r1', 'r9'));
      }
      const parsed: string[] = [];
      assert.equal((await load(p, parsed)).varsOf('web1').rack, 'r1');
      assert.equal(parsed.length, 4);
    } finally {
      p.done();
    }
  });

  it('a cache directory that cannot be made or used leaves the load as it is, with no error', async () => {
    const p = project();
    try {
      writeFileSync(join(p.dir, 'a-file'), 'not a directory');
      for (const dir of [join(p.dir, 'a-file', 'cache'), join(p.dir, 'a-file')]) {
        const parsed: string[] = [];
        const inv = await Inventory.load([p.inv], { parseCache: { dir, minBytes: 0, onParse: (f) => parsed.push(f) } });
        assert.equal(inv.varsOf('web1').rack, 'r1');
        assert.equal(parsed.length, 4);
      }
    } finally {
      p.done();
    }
  });

  it('a cache directory open to others is closed to 0700 before use', async () => {
    const p = project();
    try {
      mkdirSync(p.cache, { mode: 0o777 });
      await load(p);
      assert.equal(statSync(p.cache).mode & 0o777, 0o700);
    } finally {
      p.done();
    }
  });

  it('small files are parsed, not cached, by default; a big one is cached', async () => {
    const p = project(60);
    try {
      assert.ok(statSync(p.inv).size > 2048);
      await Inventory.load([p.inv], { parseCache: { dir: p.cache } });
      const cached = entries(p.cache).map((e) => (JSON.parse(readFileSync(e, 'utf8')) as { path: string }).path);
      assert.deepEqual(cached, [p.inv]);
    } finally {
      p.done();
    }
  });

  it('values JSON cannot give back exactly (NaN, infinities, -0, binary) are never cached; JSON files are not either', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ftl-parse-cache-'));
    try {
      const cache = new ParseCache(readYaml, { dir: join(dir, 'cache'), minBytes: 0 });
      const files: Record<string, string> = { 'nan.yml': 'a: .nan\n', 'inf.yml': 'a: -.inf\n', 'zero.yml': 'a: -0.0\n', 'bin.yml': 'a: !!binary aGVsbG8=\n', 'j.json': '{"a": 1}' };
      for (const [name, text] of Object.entries(files)) {
        writeFileSync(join(dir, name), text);
        const data = cache.read(join(dir, name)).data() as { a: unknown };
        assert.ok(data.a !== undefined, name);
      }
      let made: string[] = [];
      try {
        made = readdirSync(join(dir, 'cache'));
      } catch {
        // never made: nothing was cached
      }
      assert.deepEqual(made, []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('what the cache gives back is what parsing gives, for every YAML feature an inventory uses (anchors, merge keys, tags, PyYAML scalars)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ftl-parse-cache-'));
    try {
      const text = [
        'base: &base { port: 80, proto: tcp }',
        'web:',
        '  <<: *base',
        '  port: 8080',
        "tpl: !unsafe '{{ not templated }}'",
        'omap: !!omap [ {a: 1}, {b: 2} ]',
        'set: !!set { x, y }',
        'when: 2001-12-14t21:59:43.10-05:00',
        'day: 2002-12-14',
        'octal: 0644',
        'sexa: 1:20',
        'words: [yes, No, on, off, y, n, ~, null]',
        'floats: [1.5, 1e3, 6.8523015e+5]',
        '1.0: float key',
        '~: null key',
        'str: !!str 123',
        'long: >',
        '  folded',
        '  text',
      ].join('\n');
      writeFileSync(join(dir, 'vars.yml'), `${text}\n`);
      const parsed: string[] = [];
      const cache = new ParseCache(readYaml, {
        dir: join(dir, 'cache'),
        minBytes: 0,
        onParse: (f) => {
          parsed.push(f);
        },
      });
      const fresh = readYaml(`${text}\n`, join(dir, 'vars.yml'));
      assert.deepEqual(cache.read(join(dir, 'vars.yml')).data(), fresh);
      assert.deepEqual(cache.read(join(dir, 'vars.yml')).data(), fresh);
      assert.equal(parsed.length, 1, 'the second read came from the cache');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('parseCache: false reads every file with no cache', async () => {
    const p = project();
    try {
      await Inventory.load([p.inv], { parseCache: false });
      assert.throws(() => statSync(p.cache));
    } finally {
      p.done();
    }
  });
});
