#!/usr/bin/env node
// Node 20's test runner takes no globs, so this lists test files itself.
// Usage: node scripts/run-tests.mjs [--tier unit|full] [substring ...]
//   --tier unit: files without a `// @tier full` line in their first lines: no sshd, no
//                Ansible, no tmux (shims on PATH make a stray call fail loudly, naming the tier).
//   --tier full (default): every file.
//   substrings: only files whose path contains one of them.
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (/\.test\.tsx?$/.test(name)) out.push(relative(root, p));
  }
  return out;
}

const args = process.argv.slice(2);
let tier = 'full';
const at = args.indexOf('--tier');
if (at >= 0) {
  tier = args[at + 1] ?? '';
  args.splice(at, 2);
}
if (tier !== 'unit' && tier !== 'full') {
  console.error(`--tier must be unit or full, not '${tier}'`);
  process.exit(1);
}

const fullOnly = (file) => /^\s*\/\/ @tier full\b/m.test(readFileSync(join(root, file), 'utf8').split('\n').slice(0, 15).join('\n'));
const files = walk(join(root, 'test'))
  .filter((f) => args.length === 0 || args.some((s) => f.includes(s)))
  .filter((f) => tier === 'full' || !fullOnly(f));
if (files.length === 0) {
  console.error(`no test files matched ${args.join(' ') || 'test/**/*.test.ts'} in the ${tier} tier`);
  process.exit(1);
}

const env = { ...process.env, FTL_TEST_TIER: tier };
// Every call writes an audit line: the suite's go to a temp dir, never the real ~/.ftl/audit.
const auditTmp = process.env.FTL_AUDIT_DIR === undefined ? mkdtempSync(join(tmpdir(), 'ftl-test-audit-')) : undefined;
if (auditTmp !== undefined) env.FTL_AUDIT_DIR = auditTmp;
let shims;
if (tier === 'unit') {
  // The unit tier must not need the real parts: a test that reaches for one fails, saying so.
  shims = mkdtempSync(join(tmpdir(), 'ftl-unit-shims-'));
  for (const cmd of ['ansible', 'ansible-playbook', 'ansible-inventory', 'ansible-doc', 'ansible-config', 'ansible-vault', 'tmux', 'sshd']) {
    const p = join(shims, cmd);
    writeFileSync(p, `#!/bin/sh\necho "${cmd} is not for the unit tier: mark the test file '// @tier full'" >&2\nexit 97\n`);
    chmodSync(p, 0o755);
  }
  env.PATH = `${shims}:${process.env.PATH ?? ''}`;
}

const concurrency = process.env.FTL_TEST_CONCURRENCY ?? '2';
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', '--test-reporter-destination=stdout', '--test-reporter=./scripts/slowest-files.mjs', '--test-reporter-destination=stdout', ...files], {
  cwd: root,
  stdio: 'inherit',
  env,
});
if (shims !== undefined) rmSync(shims, { recursive: true, force: true });
if (auditTmp !== undefined) rmSync(auditTmp, { recursive: true, force: true });
process.exit(r.status ?? 1);
