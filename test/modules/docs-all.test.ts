// @tier full: real sshd, Ansible or tmux (see scripts/run-tests.mjs) — here: the docs of all ~7,800 installed modules
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../src/base/paths.js';
import { ModuleIndex } from '../../src/modules/index.js';

/**
 * Modules whose own DOCUMENTATION is broken upstream: Ansible's ansible-doc fails on
 * them the same way. Only these may fail; any other failure is ftl's to fix.
 */
const BROKEN_UPSTREAM: Record<string, string> = {
  'netapp_eseries.santricity.na_santricity_iscsi_interface':
    "invalid YAML: the `speed` option's description list has an item quoted ('Down' interfaces ...) that ends before the line does (line 86-88)",
};

function byCollection(names: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const n of names) {
    const c = n.split('.').slice(0, 2).join('.');
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  return [...counts.entries()].map(([c, k]) => `${c} ${String(k)}`).join(', ');
}

/** Runs python/ansible_docs.py on [fqcn, path] pairs; exact: Ansible's own reader, unchanged. */
function readDocs(items: readonly [string, string][], exact: boolean): Promise<Map<string, unknown>> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, PYTHONWARNINGS: 'ignore', ANSIBLE_DEPRECATION_WARNINGS: 'False', ...(exact ? { FTL_DOCS_EXACT: '1' } : {}) };
    const child = execFile('/usr/bin/python3', [join(packageRoot(), 'python', 'ansible_docs.py')], { env, maxBuffer: 1 << 28, timeout: 300_000 }, (err, stdout, stderr) => {
      if (err !== null) {
        reject(new Error(`ansible_docs.py failed: ${stderr || err.message}`));
        return;
      }
      const out = new Map<string, unknown>();
      for (const line of stdout.split('\n').filter((l) => l !== '')) {
        const r = JSON.parse(line) as { fqcn: string };
        out.set(r.fqcn, r);
      }
      resolve(out);
    });
    child.stdin?.end(JSON.stringify(items));
  });
}

describe('module documentation', () => {
  let cacheDir: string;
  let index: ModuleIndex;
  before(async () => {
    // A new cache: every doc is parsed now, none read from an earlier run.
    cacheDir = mkdtempSync(join(tmpdir(), 'ftl-docs-all-'));
    index = await ModuleIndex.load({ cacheDir, env: { ...process.env, FTL_MODULE_PATH: '', ANSIBLE_LIBRARY: '' } });
  });
  after(() => {
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it("of every module in ansible-core and the installed collections parses through ftl's doc loader", async (t) => {
    const names = index.names().filter((n) => n.includes('.') && !n.startsWith('ftl.'));
    const docs = await index.docsOf(names);
    const failed = [...docs.entries()].flatMap(([n, d]) => ('error' in d ? [[n, d.error] as const] : []));
    const parsed = names.filter((n) => !failed.some(([f]) => f === n));
    t.diagnostic(`${String(names.length)} modules: ${String(parsed.length)} parsed, ${String(failed.length)} failed`);
    t.diagnostic(`by collection: ${byCollection(names)}`);
    for (const [n, why] of failed) t.diagnostic(`failed: ${n}: ${why.split('\n')[0] ?? ''}${n in BROKEN_UPSTREAM ? ` (broken upstream: ${BROKEN_UPSTREAM[n] ?? ''})` : ''}`);
    assert.equal(docs.size, names.length, 'an answer for every module');
    assert.ok(names.filter((n) => n.startsWith('ansible.builtin.')).length >= 60, 'ansible-core is there');
    assert.ok(names.length >= 1000, "Debian's ansible collections are there");
    const ours = failed.filter(([n]) => !(n in BROKEN_UPSTREAM)).map(([n, why]) => `${n}: ${why}`);
    assert.deepEqual(ours, [], 'docs that fail through ftl but are not broken upstream');
    // What a user reads in .doc: a description and typed options, for the modules people use.
    const stat = docs.get('ansible.builtin.stat');
    assert.ok(stat !== undefined && !('error' in stat));
    assert.equal(stat.options.find((o) => o.name === 'path')?.required, true);
    const ini = docs.get('community.general.ini_file');
    assert.ok(ini !== undefined && !('error' in ini));
    assert.ok(ini.options.some((o) => o.name === 'mode'), 'doc fragments (files) are merged in');
  });

  it("ftl's quicker reading of the files gives what Ansible's own reader gives", async () => {
    // A spread of modules: every 50th of each collection (fortios, fortimanager: some of the biggest files).
    const items: [string, string][] = [];
    const perCollection = new Map<string, number>();
    for (const n of index.names().filter((x) => x.includes('.') && !x.startsWith('ftl.'))) {
      const c = n.split('.').slice(0, 2).join('.');
      const k = perCollection.get(c) ?? 0;
      perCollection.set(c, k + 1);
      const path = index.resolve(n)?.path;
      if (k % 50 === 0 && path !== undefined) items.push([n, path]);
    }
    const [quick, exact] = await Promise.all([readDocs(items, false), readDocs(items, true)]);
    assert.ok(items.length >= 100, `a real sample (${String(items.length)})`);
    for (const [n] of items) assert.deepEqual(quick.get(n), exact.get(n), n);
  });
});
