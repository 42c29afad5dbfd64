import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { complete, type CompletionSource } from '../../src/repl/completer.js';

const src: CompletionSource = {
  rootNames: () => ['webservers', 'web_01', 'db', 'local', 'hosts', 'groups'],
  moduleNames: (ns) => {
    if (ns.length === 0) return ['dnf', 'command', 'copy', 'community', 'ansible'];
    if (ns.join('.') === 'community') return ['general', 'postgresql'];
    if (ns.join('.') === 'community.general') return ['ini_file', 'ufw'];
    return [];
  },
  optionNames: (m) => (m === 'dnf' || m === 'community.general.ini_file' ? ['name', 'state', 'enablerepo', 'section'] : undefined),
  optionChoices: (m, o) => (m === 'dnf' && o === 'state' ? ['absent', 'installed', 'latest', 'present', 'removed'] : undefined),
  dotCommands: () => ['doc', 'help', 'hosts', 'check'],
  dotArgs: (cmd, partial) => (cmd === 'doc' ? ['dnf', 'command', 'copy'].filter((m) => m.startsWith(partial)) : cmd === 'check' ? ['on', 'off'] : []),
};

describe('completer', () => {
  it('completes targets after ftl.', () => {
    assert.deepEqual(complete('ftl.we', src), [['web_01', 'webservers'], 'we']);
    assert.deepEqual(complete('ftl.', src)?.[0].length, 6);
  });
  it('completes module names and namespaces after a target', () => {
    assert.deepEqual(complete('ftl.webservers.co', src), [['command', 'community', 'copy'], 'co']);
    assert.deepEqual(complete("ftl['web:&prod'].d", src), [['dnf'], 'd']);
  });
  it('walks collection namespaces', () => {
    assert.deepEqual(complete('ftl.db.community.', src), [['general', 'postgresql'], '']);
    assert.deepEqual(complete('ftl.db.community.general.in', src), [['ini_file'], 'in']);
  });
  it('completes option names inside the call, leaving out given ones', () => {
    assert.deepEqual(complete('ftl.webservers.dnf({ na', src), [['name'], 'na']);
    assert.deepEqual(complete("ftl.webservers.dnf({ name: 'nginx', s", src), [['section', 'state'], 's']);
    assert.deepEqual(complete("ftl.webservers.dnf({ name: 'nginx', ", src), [['enablerepo', 'section', 'state'], '']);
    assert.deepEqual(complete('x = ftl.db.community.general.ini_file({ sec', src), [['section'], 'sec']);
  });
  it("completes an option's choices after option: '", () => {
    assert.deepEqual(complete("ftl.webservers.dnf({ state: 'la", src), [['latest'], 'la']);
    assert.deepEqual(complete('ftl.webservers.dnf({ state: "', src)?.[0].length, 5);
  });
  it('completes dot-commands and their arguments', () => {
    assert.deepEqual(complete('.ch', src), [['.check'], '.ch']);
    assert.deepEqual(complete('.doc co', src), [['command', 'copy'], 'co']);
    assert.deepEqual(complete('.check o', src), [['off', 'on'], 'o']);
  });
  it('leaves plain JavaScript to node', () => {
    assert.equal(complete('Math.fl', src), undefined);
    assert.equal(complete('const x = 1', src), undefined);
  });
});
