// @tier full: real sshd, Ansible or tmux (see scripts/run-tests.mjs)
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { automation, type Ftl } from '../../src/run/automation.js';
import { withLab } from '../helpers/lab.js';
import { compareSteps, compareStepsOnHosts, type ActionStep } from './compare.js';

// Paths that differ by design: the temp file the new content was sent through (src, and
// the diff's after_header for content), and a backup's name (pid and time).
const TEMP = { volatile: ['src', 'backup_file'] };

describe('copy from the controller returns what ansible returns', () => {
  let ftl: Ftl;
  let dir: string;
  let big: Buffer;
  before(async () => {
    ftl = await automation();
    dir = mkdtempSync(join(tmpdir(), 'ftl-copy-action-'));
    big = randomBytes(9 * 1024 * 1024);
  });
  after(async () => {
    await ftl.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const src = (p: string): string => join(dir, 'src', p);
  const out = (p: string): string => join(dir, 'out', p);

  const reset = (): void => {
    rmSync(join(dir, 'src'), { recursive: true, force: true });
    rmSync(join(dir, 'out'), { recursive: true, force: true });
    mkdirSync(src('tree/sub/deeper'), { recursive: true });
    mkdirSync(src('tree/empty'), { recursive: true });
    mkdirSync(out('existing'), { recursive: true });
    writeFileSync(src('hello.txt'), 'hello\n');
    chmodSync(src('hello.txt'), 0o640);
    writeFileSync(src('v2.txt'), 'version 2\n');
    writeFileSync(src('binary.bin'), Buffer.from(Array.from({ length: 256 }, (_, i) => i)));
    writeFileSync(src('big.bin'), big);
    writeFileSync(src('tree/a.txt'), 'a\n');
    writeFileSync(src('tree/sub/b.txt'), 'b\n');
    writeFileSync(src('tree/sub/deeper/c.txt'), 'c\n');
    symlinkSync('a.txt', src('tree/link-to-a'));
    writeFileSync(out('old.txt'), 'old\n');
  };

  it('single files: new, unchanged, mode, into a directory, force, backup, check and diff', async () => {
    const steps: ActionStep[] = [
      { label: 'a new file in check mode with diff', module: 'copy', args: { src: src('hello.txt'), dest: out('hello.txt') }, check: true, diff: true, after: () => {
        assert.equal(existsSync(out('hello.txt')), false, 'check mode wrote nothing');
      } },
      { label: 'a new file', module: 'copy', args: { src: src('hello.txt'), dest: out('hello.txt') } },
      { label: 'the same again: unchanged, nothing sent', module: 'copy', args: { src: src('hello.txt'), dest: out('hello.txt') } },
      { label: 'the same with a new mode', module: 'copy', args: { src: src('hello.txt'), dest: out('hello.txt'), mode: '0600' } },
      { label: 'into a directory (trailing slash)', module: 'copy', args: { src: src('hello.txt'), dest: `${out('existing')}/` } },
      { label: 'into an existing directory (no slash)', module: 'copy', args: { src: src('v2.txt'), dest: out('existing') } },
      { label: 'into a new directory (trailing slash): made first', module: 'copy', args: { src: src('hello.txt'), dest: `${out('newdir')}/` } },
      { label: 'force off leaves a different file alone', module: 'copy', args: { src: src('v2.txt'), dest: out('old.txt'), force: false } },
      { label: 'a change with backup and diff', module: 'copy', args: { src: src('v2.txt'), dest: out('old.txt'), backup: true }, diff: true },
      { label: 'mode preserve takes the source file mode', module: 'copy', args: { src: src('hello.txt'), dest: out('preserved.txt'), mode: 'preserve' } },
      { label: 'owner and group', module: 'copy', args: { src: src('v2.txt'), dest: out('owned.txt'), owner: 'root', group: 'root', mode: 'u=rw,g=r,o=' } },
      { label: 'a binary file', module: 'copy', args: { src: src('binary.bin'), dest: out('binary.bin') } },
      { label: 'a binary file, again', module: 'copy', args: { src: src('binary.bin'), dest: out('binary.bin') } },
      { label: 'a missing directory without a trailing slash', module: 'copy', args: { src: src('hello.txt'), dest: out('nope/hello.txt') } },
      { label: 'content still works', module: 'copy', args: { content: 'inline\n', dest: out('inline.txt') } },
      { label: 'remote_src copies on the host', module: 'copy', args: { src: out('old.txt'), dest: out('copied-remotely.txt'), remote_src: true } },
    ];
    await compareSteps(ftl, 'localhost', steps.map((s) => ({ ...s, normalise: TEMP })), reset);
    assert.equal(readFileSync(out('hello.txt'), 'utf8'), 'hello\n');
    assert.equal(statSync(out('preserved.txt')).mode & 0o777, 0o640);
    assert.deepEqual(readFileSync(out('binary.bin')), readFileSync(src('binary.bin')), 'binary bytes arrive intact');
    assert.equal(readFileSync(out('newdir/hello.txt'), 'utf8'), 'hello\n');
  });

  it('a file larger than the inline limit goes in chunks through Ansible\'s copy module', async () => {
    const steps: ActionStep[] = [
      { label: 'a 9 MiB file', module: 'copy', args: { src: src('big.bin'), dest: out('big.bin') } },
      { label: 'the same again', module: 'copy', args: { src: src('big.bin'), dest: out('big.bin') } },
    ];
    await compareSteps(ftl, 'localhost', steps.map((s) => ({ ...s, normalise: TEMP })), reset);
    assert.ok(readFileSync(out('big.bin')).equals(big), 'the big file arrived intact');
  });

  it('directories, recursively: "dir" copies the directory, "dir/" what is in it; a second run changes nothing', async () => {
    const steps: ActionStep[] = [
      { label: 'a tree in check mode', module: 'copy', args: { src: src('tree'), dest: out('t1') }, check: true, after: () => {
        assert.equal(existsSync(out('t1')), false);
      } },
      { label: 'a tree', module: 'copy', args: { src: src('tree'), dest: out('t1') } },
      { label: 'the tree again', module: 'copy', args: { src: src('tree'), dest: out('t1') } },
      { label: 'what is in the tree', module: 'copy', args: { src: `${src('tree')}/`, dest: out('t2'), directory_mode: '0750' } },
      { label: 'what is in the tree, again', module: 'copy', args: { src: `${src('tree')}/`, dest: out('t2'), directory_mode: '0750' } },
      { label: 'links kept as links', module: 'copy', args: { src: `${src('tree')}/`, dest: out('t3'), local_follow: false } },
      { label: 'a directory with one file gives that file\'s result', module: 'copy', args: { src: src('tree/sub/deeper'), dest: out('t4') } },
    ];
    await compareSteps(ftl, 'localhost', steps.map((s) => ({ ...s, normalise: TEMP })), reset);
    assert.equal(readFileSync(out('t1/tree/sub/deeper/c.txt'), 'utf8'), 'c\n');
    assert.equal(lstatSync(out('t1/tree/link-to-a')).isFile(), true, 'local_follow (default) copies the linked file');
    assert.equal(statSync(out('t1/tree/empty')).isDirectory(), true, 'empty directories are made');
    assert.equal(statSync(out('t2/sub')).mode & 0o777, 0o750, 'directory_mode');
    assert.equal(readlinkSync(out('t3/link-to-a')), 'a.txt');
  });

  it('a src missing on the controller is refused before any host is touched', async () => {
    await assert.rejects(ftl.run('localhost', 'copy', { src: join(dir, 'no-such-file'), dest: out('x') }), (e: Error) => {
      assert.match(e.message, /could not find src '.*no-such-file' on the controller/);
      return true;
    });
  });
});

describe('copy to lab hosts over SSH', () => {
  it('files and trees arrive as ansible sends them; a second run sends nothing', { timeout: 300_000 }, async () => {
    await withLab(2, async (lab) => {
      const dir = mkdtempSync(join(tmpdir(), 'ftl-copy-lab-'));
      const ftl = await automation({ inventory: lab.inventoryPath });
      try {
        mkdirSync(join(dir, 'src', 'tree', 'sub'), { recursive: true });
        writeFileSync(join(dir, 'src', 'tree', 'a.txt'), 'a\n');
        writeFileSync(join(dir, 'src', 'tree', 'sub', 'b.bin'), Buffer.from([0, 255, 128, 10]));
        const hosts = ['lab01', 'lab02'];
        const dest = (host: string, p: string): string => join(dir, `out-${host}`, p);
        const reset = (): void => {
          for (const host of hosts) {
            rmSync(join(dir, `out-${host}`), { recursive: true, force: true });
            mkdirSync(join(dir, `out-${host}`));
          }
        };
        const steps = (host: string): ActionStep[] => [
          { label: `${host}: a file`, module: 'copy', args: { src: join(dir, 'src', 'tree', 'a.txt'), dest: dest(host, 'a.txt'), mode: '0600' } },
          { label: `${host}: the file again`, module: 'copy', args: { src: join(dir, 'src', 'tree', 'a.txt'), dest: dest(host, 'a.txt'), mode: '0600' } },
          { label: `${host}: a tree`, module: 'copy', args: { src: join(dir, 'src', 'tree'), dest: dest(host, 't') } },
          { label: `${host}: the tree again`, module: 'copy', args: { src: join(dir, 'src', 'tree'), dest: dest(host, 't') } },
        ];
        // Ansible's side for both hosts in one ansible-playbook run.
        await compareStepsOnHosts(ftl, hosts, (host) => steps(host).map((s) => ({ ...s, normalise: TEMP })), reset, { inventory: lab.inventoryPath });
        for (const host of hosts) assert.deepEqual(readFileSync(dest(host, 't/tree/sub/b.bin')), Buffer.from([0, 255, 128, 10]), host);
      } finally {
        await ftl.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
