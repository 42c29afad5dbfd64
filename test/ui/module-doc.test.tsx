import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { stripVTControlCharacters } from 'node:util';
import { cleanup, render } from 'ink-testing-library';
import type { ModuleDoc as Doc } from '../../src/base/module-types.js';
import { ModuleDoc } from '../../src/ui/ModuleDoc.js';

const doc: Doc = {
  fqcn: 'ansible.builtin.file',
  shortName: 'file',
  collection: 'ansible.builtin',
  path: undefined,
  native: true,
  kind: 'module',
  shortDescription: 'Manage files and file properties',
  description: 'Set attributes of files, directories, or symlinks and their targets.',
  options: [
    { name: 'state', type: 'str', required: false, default: 'file', choices: ['absent', 'directory', 'file', 'touch'], aliases: [], noLog: false, description: 'What the path should be.' },
    { name: 'path', type: 'path', required: true, aliases: ['dest', 'name'], noLog: false, description: 'Path to the file being managed.\nMore text.' },
    { name: 'attributes', type: 'list', elements: 'str', required: false, aliases: [], noLog: false, description: 'Attributes.' },
    { name: 'token', type: 'str', required: false, aliases: [], noLog: true, description: 'A secret.' },
  ],
  examples: "- name: make a dir\n  ansible.builtin.file:\n    path: /etc/foo\n    state: directory\n",
};

function text(d: Doc): string {
  const { lastFrame } = render(<ModuleDoc doc={d} />);
  return stripVTControlCharacters(lastFrame() ?? '');
}

describe('ModuleDoc', () => {
  afterEach(cleanup);

  it('shows the name, what it does, and that it runs inside the gate', () => {
    const t = text(doc);
    assert.match(t, /^ansible\.builtin\.file — Manage files and file properties\s+\(native: runs inside the gate\)/);
    assert.match(t, /Set attributes of files, directories, or symlinks/);
  });

  it('lists options with types, required ones first, with defaults, choices, aliases and secrets', () => {
    const t = text(doc);
    const at = (name: string): number => t.search(new RegExp(`^${name} \\(`, 'm'));
    assert.ok(at('path') >= 0 && at('path') < at('attributes') && at('attributes') < at('state') && at('state') < at('token'), t);
    assert.match(t, /^path \(path\)\s+required · aliases dest, name$/m);
    assert.match(t, /^ {4}Path to the file being managed\.$/m, 'the first line of the description, indented');
    assert.doesNotMatch(t, /More text/);
    assert.match(t, /^state \(str\)\s+default file · one of absent, directory, file, touch$/m);
    assert.match(t, /^attributes \(list of str\)$/m);
    assert.match(t, /^token \(str\)\s+secret \(no_log\)$/m);
  });

  it('shows the examples with how to write them in ftl, and a deprecation when there is one', () => {
    assert.match(text(doc), /Examples \(Ansible YAML; in ftl: ftl\.host\.file\(\{ \.\.\. \}\)\)\n- name: make a dir/);
    assert.match(text({ ...doc, deprecation: 'use ansible.builtin.other' }), /deprecated: use ansible\.builtin\.other/);
    assert.match(text({ ...doc, options: [], examples: '' }), /Options\n\(none\)$/);
  });
});
