import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileTemplate, renderTemplate, TemplateError } from '../../src/jinja/index.js';
import { floatRepr } from '../../src/jinja/values.js';
import { CASES, ERROR_CASES, type Case } from './cases.js';
import { ansibleRender } from './oracle.js';

function ours(c: Case): { out: string } | { error: string } {
  try {
    const o = c.options ?? {};
    return { out: renderTemplate(c.template, c.vars ?? {}, { trimBlocks: o.trim_blocks ?? true, lstripBlocks: o.lstrip_blocks ?? false, newlineSequence: o.newline_sequence ?? '\n' }) };
  } catch (e) {
    if (e instanceof TemplateError) return { error: `${e.kind}: ${e.message}` };
    throw e;
  }
}

describe("ftl's template engine renders what Ansible's templar renders", () => {
  it(`${CASES.length} templates and ${ERROR_CASES.length} failing ones, compared with ansible's own rendering`, async () => {
    const all = [...CASES, ...ERROR_CASES];
    const theirs = await ansibleRender(all);
    const differ = all.flatMap((c, i) => {
      const a = ours(c);
      const b = theirs[i];
      return JSON.stringify(a) === JSON.stringify(b) ? [] : [`${c.name}:\n  ftl:     ${JSON.stringify(a)}\n  ansible: ${JSON.stringify(b)}`];
    });
    assert.deepEqual(differ, [], `templates that render differently:\n${differ.join('\n')}`);
    // The failing ones fail under both, with a message naming the missing variable.
    for (const c of ERROR_CASES) assert.ok('error' in ours(c), c.name);
  });
});

describe('template errors on the controller', () => {
  const syntaxError = (source: string): TemplateError => {
    try {
      compileTemplate(source);
    } catch (e) {
      if (e instanceof TemplateError) return e;
      throw e;
    }
    assert.fail(`no error for ${source}`);
  };

  for (const [feature, source] of [
    ['macros', '{% macro greet(n) %}hi {{ n }}{% endmacro %}'],
    ['include', "{% include 'other.j2' %}"],
    ['import', "{% import 'm.j2' as m %}"],
    ['template inheritance (extends)', "{% extends 'base.j2' %}"],
    ['call blocks', '{% call greet() %}x{% endcall %}'],
  ] as const) {
    it(`a template using ${feature} is refused, naming it`, () => {
      const e = syntaxError(`line one\n${source}\n`);
      assert.equal(e.code, 'FTL_TEMPLATE');
      assert.match(e.message, new RegExp(`uses ${feature.replace(/[()]/g, '\\$&')} .*does not support.*\\(line 2\\)`));
    });
  }

  it('syntax errors name the line', () => {
    assert.match(syntaxError('a\nb\n{% if x %}\nno end\n').message, /expected '\{% elif %\}' or '\{% else %\}' or '\{% endif %\}'/);
    assert.match(syntaxError('ok\n{{ a + }}\n').message, /\(line 2\)/);
    assert.match(syntaxError('{% frobnicate %}').message, /unknown tag 'frobnicate'/);
    assert.match(syntaxError('{{ x | nosuchfilter }}').message, /no filter named 'nosuchfilter'/);
  });

  it('lookup() is refused with what to do instead', () => {
    assert.throws(() => renderTemplate("{{ lookup('file', '/etc/hosts') }}", {}), /lookup\(\)\/query\(\) plugins do not run.*vars/);
  });

  it('a compiled template renders for many hosts with their own variables', () => {
    const t = compileTemplate('{{ inventory_hostname }}: {{ port | default(80) }}\n');
    assert.equal(t.render({ inventory_hostname: 'web01', port: 8080 }), 'web01: 8080\n');
    assert.equal(t.render({ inventory_hostname: 'web02' }), 'web02: 80\n');
  });
});

describe('Python float text', () => {
  it('prints floats as Python repr does', () => {
    const cases: [number, string][] = [[1.5, '1.5'], [0.1 + 0.2, '0.30000000000000004'], [1e16, '1e+16'], [1e15, '1000000000000000.0'], [0.0001, '0.0001'], [0.00001, '1e-05'], [-2.5e-7, '-2.5e-07'], [123456789.125, '123456789.125']];
    for (const [n, text] of cases) assert.equal(floatRepr(n), text, String(n));
  });
});
