// @tier full: real sshd, Ansible or tmux (see scripts/run-tests.mjs)
import { execFileSync } from 'node:child_process';
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { normalise, runAnsible } from '../helpers/ansible.js';
import { compareSteps, openNativeGate, type NativeGate, type Step } from './native-gate.js';

// Reading a file for its checksum may move its atime between Ansible's run and ours.
const ATIME = { volatile: ['atime'] };

describe('native stat and slurp return what ansible returns', () => {
  let gate: NativeGate;
  let dir: string;
  before(async () => {
    gate = await openNativeGate();
    dir = mkdtempSync(join(tmpdir(), 'ftl-native-stat-'));
    writeFileSync(join(dir, 'text'), 'hello\nworld\n');
    writeFileSync(join(dir, 'bin'), Buffer.from([0, 1, 2, 255, 254, 10]));
    writeFileSync(join(dir, 'script'), '#!/bin/sh\necho hi\n');
    chmodSync(join(dir, 'script'), 0o4755);
    writeFileSync(join(dir, 'secret'), 'x');
    chmodSync(join(dir, 'secret'), 0o000);
    mkdirSync(join(dir, 'sub'));
    symlinkSync(join(dir, 'text'), join(dir, 'link'));
    symlinkSync('missing-target', join(dir, 'dangling'));
  });
  after(async () => {
    await gate.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stat: files, directories, links, devices, options and mistakes', async () => {
    const steps: Step[] = [
      { label: 'a text file', module: 'stat', args: { path: join(dir, 'text') } },
      { label: 'binary, sha256', module: 'stat', args: { path: join(dir, 'bin'), checksum_algorithm: 'sha256' } },
      { label: 'setuid script, md5 too', module: 'stat', args: { path: join(dir, 'script'), get_md5: true } },
      { label: 'unreadable (to root it is readable)', module: 'stat', args: { path: join(dir, 'secret') } },
      { label: 'a directory', module: 'stat', args: { path: join(dir, 'sub') } },
      { label: 'a link, not followed', module: 'stat', args: { path: join(dir, 'link') } },
      { label: 'a link, followed', module: 'stat', args: { path: join(dir, 'link'), follow: true } },
      { label: 'a dangling link', module: 'stat', args: { path: join(dir, 'dangling') } },
      { label: 'a dangling link, followed', module: 'stat', args: { path: join(dir, 'dangling'), follow: true } },
      { label: 'missing', module: 'stat', args: { path: join(dir, 'missing') } },
      { label: 'a character device', module: 'stat', args: { path: '/dev/null' } },
      { label: 'aliases, nothing extra', module: 'stat', args: { dest: join(dir, 'text'), get_checksum: false, mime: false, attributes: 'no' } },
      { label: 'check mode is the same', module: 'stat', args: { path: join(dir, 'text') }, check: true },
      { label: 'missing path', module: 'stat', args: { follow: true } },
      { label: 'a typo', module: 'stat', args: { paht: '/', path: '/' } },
      { label: 'a bad choice', module: 'stat', args: { path: '/', checksum_algorithm: 'crc' } },
    ];
    await compareSteps(gate, steps.map((s) => ({ ...s, normalise: ATIME })), () => undefined);
  });

  it('stat: the mime type follows a file through its changes (the gate remembers it per version of the file)', async () => {
    const path = join(dir, 'changing');
    const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 2_200));
    const mimeByFile = (): string => execFileSync('file', ['--brief', '--mime-type', path], { encoding: 'utf8' }).trim();
    const mimeByStat = async (): Promise<string> => ((await gate.call({ module: 'stat', args: { path } })).stat as { mimetype: string }).mimetype;
    const seen: [string, string][] = [];
    writeFileSync(path, 'plain words\n');
    await settle();
    seen.push([await mimeByStat(), mimeByFile()], [await mimeByStat(), mimeByFile()]);
    writeFileSync(path, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0])); // same size, not text
    seen.push([await mimeByStat(), mimeByFile()]);
    await settle();
    seen.push([await mimeByStat(), mimeByFile()], [await mimeByStat(), mimeByFile()]);
    writeFileSync(path, '#!/bin/sh\necho\n');
    await settle();
    seen.push([await mimeByStat(), mimeByFile()]);
    for (const [ours, file] of seen) assert.equal(ours, file);
    assert.deepEqual(seen.map(([ours]) => ours), ['text/plain', 'text/plain', 'application/octet-stream', 'application/octet-stream', 'application/octet-stream', 'text/x-shellscript']);
  });

  it('slurp: text, binary, and the errors', async () => {
    const steps: Step[] = [
      { label: 'text', module: 'slurp', args: { src: join(dir, 'text') } },
      { label: 'binary, by alias', module: 'slurp', args: { path: join(dir, 'bin') } },
      { label: 'check mode', module: 'slurp', args: { src: join(dir, 'text') }, check: true },
      { label: 'missing', module: 'slurp', args: { src: join(dir, 'missing') } },
      { label: 'a directory', module: 'slurp', args: { src: join(dir, 'sub') } },
      { label: 'no src', module: 'slurp', args: {} },
    ];
    const ours = await compareSteps(gate, steps, () => undefined);
    assert.equal(Buffer.from(String(ours[0]?.content), 'base64').toString(), 'hello\nworld\n');
  });

  it('ad hoc `ansible -m` gives what the playbook batch gives', async () => {
    const args = { src: join(dir, 'text') };
    const adHoc = await runAnsible('localhost', 'slurp', args);
    assert.deepEqual(normalise(await gate.call({ module: 'slurp', args })), normalise(adHoc));
  });
});
