// @tier full: real sshd, Ansible or tmux (see scripts/run-tests.mjs)
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseKv } from '../../src/commands/kv.js';
import { parseExtraVars } from '../../src/commands/extra-vars.js';
import { controllerPython } from '../../src/modules/ansible-env.js';
import { run } from '../helpers/exec.js';

/** What Ansible's own parse_kv makes of each text, without and with check_raw (free-form modules). */
const ANSIBLE_PARSE_KV = `
import json, sys
from ansible.parsing.splitter import parse_kv
out = []
for text in json.loads(sys.argv[1]):
    row = []
    for raw in (False, True):
        try:
            row.append(parse_kv(text, check_raw=raw))
        except Exception as e:
            row.append({"error": type(e).__name__})
    out.append(row)
print(json.dumps(out))
`;

const CASES = [
  'a=b c=d', 'k=v k2="v 2"', 'uptime', 'echo hello world', "msg='it\\'s'", 'a="b=c" d', 'x=1  y=2', 'echo  two   spaces', 'chdir=/tmp ls -l', 'echo a=b',
  'creates=/x touch /x', 'msg="a\\nb"', 'path=/tmp\\=x', '=foo', 'a\\=b', 'k="{{ x }}" y={{ a b }}', 'echo {{ a }} {% if x %}y{% endif %}', 'line1\nline2 k=v',
  'a=b \\\n c=d', 'k=\'v\' k2="v"', '"a"=b', 'k= v ', 'k=v"', 'msg="a b" other', 'k=\\x41\\u00e9\\U0001F600', "cmd='ls -l' executable=/bin/bash", ' lead=1', 'trail=1 ',
  "it's", 'say "hi there" now', 'k=v\tx=y', 'msg="unbalanced', 'x={{ y', 'a={# c #} b', 'stdin="a b" cat', 'k=\\\\n', "k='a\\\"b'", 'cmd="echo \\"q\\""',
  'free_form=x warn=no removes=/y rm /y', 'key==v', 'x=1\ny=2', '{{ a }}', 'a=1 {{ b }}=2',
];

describe("-a and -e words parsed as ansible's parse_kv parses them", { timeout: 120_000 }, () => {
  it('for every case, with and without free-form', async () => {
    const theirs = JSON.parse(await run(controllerPython(process.env), ['-c', ANSIBLE_PARSE_KV, JSON.stringify(CASES)])) as unknown[][];
    CASES.forEach((text, i) => {
      [false, true].forEach((freeForm, j) => {
        let ours: unknown;
        try {
          ours = parseKv(text, freeForm);
        } catch {
          ours = { error: 'AnsibleParserError' };
        }
        assert.deepEqual(ours, theirs[i]?.[j], `${JSON.stringify(text)} (free-form: ${String(freeForm)})`);
      });
    });
  });

  it('-e values: what ansible -e gives a template is what ftl gives it', async () => {
    const values = ['port=8080 name="a b"', '{"n": 1, "l": [1, 2]}', '{yaml: yes, when: 2024-01-02}', 'port=9090'];
    const args = values.flatMap((v) => ['-e', v]);
    const out = await run('ansible', ['localhost', '-m', 'debug', '-a', 'msg={{ {"port": port, "name": name, "n": n, "l": l, "yaml": yaml, "when": when|string} }}', ...args], {
      ANSIBLE_LOCALHOST_WARNING: 'False',
    });
    const theirs = JSON.parse(out.slice(out.indexOf('{'))) as { msg: unknown };
    assert.deepEqual({ ...parseExtraVars(values) }, theirs.msg);
  });
});
