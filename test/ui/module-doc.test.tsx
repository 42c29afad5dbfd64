import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { stripVTControlCharacters } from 'node:util';
import { cleanup, render } from 'ink-testing-library';
import type { ModuleDoc as Doc } from '../../src/base/module-types.js';
import { ModuleDoc } from '../../src/ui/ModuleDoc.js';
import { markupText, parseMarkup } from '../../src/ui/markup.js';

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
    // The whole description, every paragraph, indented.
    assert.match(t, /^ {4}Path to the file being managed\.\n {4}More text\.$/m);
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

describe("Ansible's doc markup", () => {
  afterEach(cleanup);

  it('is rendered: names bold, emphasis and links underlined, code apart; nothing of the markup left', () => {
    assert.deepEqual(parseMarkup('Use M(ansible.builtin.copy) with O(mode=0644), I(not) B(this); see U(https://x.org) or L(the guide,https://y.org).'), [
      { text: 'Use ', style: 'plain' },
      { text: 'ansible.builtin.copy', style: 'bold' },
      { text: ' with ', style: 'plain' },
      { text: 'mode=0644', style: 'bold' },
      { text: ', ', style: 'plain' },
      { text: 'not', style: 'underline' },
      { text: ' ', style: 'plain' },
      { text: 'this', style: 'bold' },
      { text: '; see ', style: 'plain' },
      { text: 'https://x.org', style: 'underline' },
      { text: ' or ', style: 'plain' },
      { text: 'the guide', style: 'underline' },
      { text: ' (https://y.org).', style: 'plain' },
    ]);
    assert.equal(markupText('C(/etc/hosts), V(true), E(HOME), RV(stat.exists), O(ansible.builtin.file#module:state), R(docs,ref), P(ansible.builtin.ssh#connection)'), "'/etc/hosts', 'true', 'HOME', stat.exists, state, docs, ansible.builtin.ssh");
    assert.equal(markupText('V(a\\)b) and C(x)'), "'a)b' and 'x'");
    assert.equal(markupText('CALL(x) is not markup'), 'CALL(x) is not markup');
  });

  it('in .doc, whole option texts without raw C()/M() markup', () => {
    const withMarkup: Doc = { ...doc, options: [{ name: 'mode', type: 'raw', required: false, aliases: [], noLog: false, description: 'The permissions, like C(0644) or C(u=rw).\nAs in M(ansible.builtin.copy), quote it.' }] };
    const { lastFrame } = render(<ModuleDoc doc={withMarkup} colors={false} />);
    const t = stripVTControlCharacters(lastFrame() ?? '');
    assert.match(t, /^ {4}The permissions, like '0644' or 'u=rw'\.\n {4}As in ansible\.builtin\.copy, quote it\.$/m);
    assert.doesNotMatch(t, /[CM]\(/);
  });
});
