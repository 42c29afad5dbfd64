// @tier full: real sshd, Ansible or tmux (see scripts/run-tests.mjs)
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Step } from '../helpers/compare.js';
import { withParityLab } from './lab.js';

// Times are the clock's; their presence and kind are compared, not their values.
const TIMES = { volatile: ['mtime', 'atime', 'ctime'] };
// Files are made anew between Ansible's run and ftl's: their inode and generation number change.
// copy with content writes a temp source first: its name is random on both sides.
const TEMP_SRC = { volatile: ['src'] };
const FRESH = { volatile: ['mtime', 'atime', 'ctime', 'inode', 'version'] };

test('parity on a lab host over SSH: file, copy, stat, lineinfile, blockinfile, replace, slurp, find, tempfile, assemble, ini_file', { timeout: 600_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ftl-parity-files-'));
  const w = join(dir, 'w');
  const reset = (): void => {
    rmSync(w, { recursive: true, force: true });
    mkdirSync(join(w, 'tree', 'sub'), { recursive: true });
    writeFileSync(join(w, 'conf'), 'a=1\n# keep\nb=2\n');
    writeFileSync(join(w, 'tree', 'one.txt'), 'one\n');
    writeFileSync(join(w, 'tree', 'two.log'), 'two two\n');
    writeFileSync(join(w, 'tree', 'sub', 'three.txt'), 'three\n');
    mkdirSync(join(w, 'frags'));
    writeFileSync(join(w, 'frags', '01-a'), 'first\n');
    writeFileSync(join(w, 'frags', '02-b'), 'second\n');
    writeFileSync(join(w, 'app.ini'), '[main]\nport = 80\n');
  };
  try {
    await withParityLab(async (p) => {
      await t.test('file: directory, touch, mode, link, absent; check mode and idempotency', async () => {
        const steps: Step[] = [
          { label: 'directory in check mode', module: 'file', args: { path: join(w, 'd'), state: 'directory', mode: '0750' }, check: true },
          { label: 'directory', module: 'file', args: { path: join(w, 'd'), state: 'directory', mode: '0750' } },
          { label: 'directory again: no change', module: 'file', args: { path: join(w, 'd'), state: 'directory', mode: '0750' } },
          { label: 'touch', module: 'file', args: { path: join(w, 'd', 't'), state: 'touch', mode: '0600' }, normalise: TIMES },
          { label: 'mode change', module: 'file', args: { path: join(w, 'conf'), mode: '0640' } },
          { label: 'link', module: 'file', args: { src: join(w, 'conf'), dest: join(w, 'l'), state: 'link' } },
          { label: 'link again', module: 'file', args: { src: join(w, 'conf'), dest: join(w, 'l'), state: 'link' } },
          { label: 'absent tree', module: 'file', args: { path: join(w, 'tree'), state: 'absent' } },
          { label: 'absent again', module: 'file', args: { path: join(w, 'tree'), state: 'absent' } },
          { label: 'file that is missing', module: 'file', args: { path: join(w, 'nope'), state: 'file' } },
        ];
        await p.compare(steps, reset);
        assert.equal(existsSync(join(w, 'tree')), false);
      });

      await t.test('copy with content: new, same, changed with backup, check mode, diff', async () => {
        const dest = join(w, 'copied');
        const steps: Step[] = [
          { label: 'check mode', module: 'copy', args: { content: 'hello\n', dest }, check: true, normalise: TEMP_SRC },
          { label: 'new', module: 'copy', args: { content: 'hello\n', dest, mode: '0644' }, normalise: TEMP_SRC },
          { label: 'same', module: 'copy', args: { content: 'hello\n', dest, mode: '0644' }, normalise: TEMP_SRC },
          { label: 'changed, with backup', module: 'copy', args: { content: 'bye\n', dest, backup: true }, normalise: { volatile: ['backup_file', 'src'] } },
          { label: 'force no on existing', module: 'copy', args: { content: 'other\n', dest, force: false }, normalise: TEMP_SRC },
        ];
        await p.compare(steps, reset);
        assert.equal(readFileSync(dest, 'utf8'), 'bye\n');
      });

      await t.test('stat: file, directory, link, missing, checksum algorithms', async () => {
        const steps: Step[] = [
          { label: 'a file', module: 'stat', args: { path: join(w, 'conf') }, normalise: FRESH },
          { label: 'a directory without checksum', module: 'stat', args: { path: join(w, 'tree'), get_checksum: false }, normalise: FRESH },
          { label: 'sha256 and mime', module: 'stat', args: { path: join(w, 'conf'), checksum_algorithm: 'sha256', get_mime: true }, normalise: FRESH },
          { label: 'missing', module: 'stat', args: { path: join(w, 'missing') } },
        ];
        await p.compare(steps, reset);
      });

      await t.test('lineinfile: replace, insert, absent, create, idempotency, check, diff', async () => {
        const conf = join(w, 'conf');
        const steps: Step[] = [
          { label: 'check mode', module: 'lineinfile', args: { path: conf, regexp: '^a=', line: 'a=9' }, check: true },
          { label: 'replace', module: 'lineinfile', args: { path: conf, regexp: '^a=', line: 'a=9' } },
          { label: 'replace again', module: 'lineinfile', args: { path: conf, regexp: '^a=', line: 'a=9' } },
          { label: 'insert after', module: 'lineinfile', args: { path: conf, line: 'c=3', insertafter: '^b=' }, diff: true },
          { label: 'absent', module: 'lineinfile', args: { path: conf, regexp: '^# keep', state: 'absent' } },
          { label: 'missing file', module: 'lineinfile', args: { path: join(w, 'new.conf'), line: 'x' } },
          { label: 'create', module: 'lineinfile', args: { path: join(w, 'new.conf'), line: 'x', create: true } },
        ];
        await p.compare(steps, reset);
        assert.equal(readFileSync(conf, 'utf8'), 'a=9\nb=2\nc=3\n');
      });

      await t.test('blockinfile and replace', async () => {
        const conf = join(w, 'conf');
        const steps: Step[] = [
          { label: 'block in check mode', module: 'blockinfile', args: { path: conf, block: 'x=1\ny=2' }, check: true },
          { label: 'block', module: 'blockinfile', args: { path: conf, block: 'x=1\ny=2' } },
          { label: 'block again', module: 'blockinfile', args: { path: conf, block: 'x=1\ny=2' } },
          { label: 'block with marker, inserted first', module: 'blockinfile', args: { path: conf, block: 'z=3', marker: '# {mark} Z', insertbefore: 'BOF' } },
          { label: 'replace', module: 'replace', args: { path: conf, regexp: '^(\\w)=(\\d)$', replace: '\\1 = \\2' } },
          { label: 'replace again', module: 'replace', args: { path: conf, regexp: '^(\\w)=(\\d)$', replace: '\\1 = \\2' } },
          { label: 'replace in check mode', module: 'replace', args: { path: conf, regexp: 'keep', replace: 'kept' }, check: true },
          { label: 'replace on a missing file', module: 'replace', args: { path: join(w, 'nope'), regexp: 'a', replace: 'b' } },
        ];
        await p.compare(steps, reset);
      });

      await t.test('slurp, find, tempfile', async () => {
        const steps: Step[] = [
          { label: 'slurp', module: 'slurp', args: { src: join(w, 'conf') } },
          { label: 'slurp missing', module: 'slurp', args: { src: join(w, 'nope') } },
          { label: 'find by pattern', module: 'find', args: { paths: join(w, 'tree'), patterns: '*.txt' }, normalise: FRESH },
          { label: 'find recursive, contains', module: 'find', args: { paths: join(w, 'tree'), recurse: true, contains: 'three' }, normalise: FRESH },
          { label: 'find directories', module: 'find', args: { paths: w, file_type: 'directory' }, normalise: FRESH },
          { label: 'tempfile', module: 'tempfile', args: { path: w, suffix: '.tmp' }, normalise: { volatile: ['path'] } },
          { label: 'tempdir', module: 'tempfile', args: { path: w, state: 'directory' }, normalise: { volatile: ['path'] } },
        ];
        const ours = await p.compare(steps, reset);
        const made = ours[5]?.path;
        assert.ok(typeof made === 'string' && made.startsWith(w) && made.endsWith('.tmp') && existsSync(made), 'tempfile made its file');
      });

      await t.test('assemble (remote_src) and community.general.ini_file', async () => {
        const steps: Step[] = [
          { label: 'assemble', module: 'assemble', args: { src: join(w, 'frags'), dest: join(w, 'joined'), remote_src: true } },
          { label: 'assemble again', module: 'assemble', args: { src: join(w, 'frags'), dest: join(w, 'joined'), remote_src: true } },
          { label: 'assemble with delimiter', module: 'assemble', args: { src: join(w, 'frags'), dest: join(w, 'joined'), delimiter: '--', remote_src: true } },
          { label: 'ini in check mode', module: 'community.general.ini_file', args: { path: join(w, 'app.ini'), section: 'main', option: 'port', value: '8080' }, check: true },
          { label: 'ini set', module: 'community.general.ini_file', args: { path: join(w, 'app.ini'), section: 'main', option: 'port', value: '8080' } },
          { label: 'ini set again', module: 'community.general.ini_file', args: { path: join(w, 'app.ini'), section: 'main', option: 'port', value: '8080' } },
          { label: 'ini new section', module: 'community.general.ini_file', args: { path: join(w, 'app.ini'), section: 'extra', option: 'debug', value: 'true' }, diff: true },
        ];
        await p.compare(steps, reset);
        assert.equal(readFileSync(join(w, 'joined'), 'utf8'), 'first\n--\nsecond\n');
      });
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
