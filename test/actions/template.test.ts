// @tier full: real sshd, Ansible or tmux (see scripts/run-tests.mjs)
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { automation, type Ftl } from '../../src/run/automation.js';
import { ftl as ftlCli } from '../helpers/ftl.js';
import { withLab } from '../helpers/lab.js';
import { compareSteps, compareStepsOnHosts, type ActionStep } from './compare.js';

// By design: Ansible renders into a local temp file and names it as the diff's new side
// (ftl names the template); the file sent to the host and a backup have temp names.
const NORMALISE = { volatile: ['src', 'backup_file', 'after_header'], drop: ['exception'] };

const NGINX = `# {{ ansible_managed }}
# {{ inventory_hostname }} from {{ template_path | basename }}
upstream app {
{% for h in backends %}
    server {{ h.host }}:{{ h.port | default(8080) }}{% if h.backup | default(false) %} backup{% endif %};
{% endfor %}
}
server {
    listen {{ port }};
    server_name {{ names | join(' ') }};
{% if tls is defined and tls %}
    ssl_certificate {{ tls.cert }};
{% endif %}
    # settings
    {% for k, v in settings | dictsort %}
    {{ k }} {{ v | to_json }};
    {% endfor %}
}
`;

const VARS = { port: 443, names: ['a.example', 'b.example'], backends: [{ host: '10.0.0.1' }, { host: '10.0.0.2', port: 9000, backup: true }], tls: { cert: '/etc/ssl/c.pem' }, settings: { gzip: 'on', workers: 4 } };

describe('template renders on the controller and returns what ansible returns', () => {
  let ftl: Ftl;
  let dir: string;
  before(async () => {
    ftl = await automation();
    dir = mkdtempSync(join(tmpdir(), 'ftl-template-action-'));
  });
  after(async () => {
    await ftl.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const tpl = (p: string): string => join(dir, 'templates', p);
  const out = (p: string): string => join(dir, 'out', p);
  const reset = (): void => {
    rmSync(join(dir, 'out'), { recursive: true, force: true });
    mkdirSync(join(dir, 'templates'), { recursive: true });
    mkdirSync(join(dir, 'out'), { recursive: true });
    writeFileSync(tpl('nginx.conf.j2'), NGINX);
    writeFileSync(tpl('lines.j2'), 'items:\n  {% for i in items %}\n  - {{ i }}\n  {% endfor %}\nend\n');
    writeFileSync(tpl('undefined.j2'), 'value: {{ not_given }}\n');
    writeFileSync(tpl('yaml.j2'), '{{ data | to_nice_yaml }}');
  };

  it('renders with the call\'s variables, idempotent, check and diff, mode and backup, whitespace options', async () => {
    const steps: ActionStep[] = [
      { label: 'check mode with diff', module: 'template', args: { src: tpl('nginx.conf.j2'), dest: out('nginx.conf') }, vars: VARS, check: true, diff: true, after: () => {
        assert.equal(existsSync(out('nginx.conf')), false);
      } },
      { label: 'rendered and written', module: 'template', args: { src: tpl('nginx.conf.j2'), dest: out('nginx.conf'), mode: '0640' }, vars: VARS },
      { label: 'the same again: unchanged', module: 'template', args: { src: tpl('nginx.conf.j2'), dest: out('nginx.conf'), mode: '0640' }, vars: VARS },
      { label: 'other variables, with diff and backup', module: 'template', args: { src: tpl('nginx.conf.j2'), dest: out('nginx.conf'), backup: true }, vars: { ...VARS, port: 8443 }, diff: true },
      { label: 'lstrip_blocks', module: 'template', args: { src: tpl('lines.j2'), dest: out('lines-lstrip'), lstrip_blocks: true }, vars: { items: [1, 2] } },
      { label: 'trim_blocks off', module: 'template', args: { src: tpl('lines.j2'), dest: out('lines-notrim'), trim_blocks: false }, vars: { items: [1, 2] } },
      { label: 'windows line ends', module: 'template', args: { src: tpl('lines.j2'), dest: out('lines-crlf'), newline_sequence: '\\r\\n' }, vars: { items: [1, 2] } },
      { label: 'to_nice_yaml', module: 'template', args: { src: tpl('yaml.j2'), dest: out('data.yml') }, vars: { data: { b: [1, { c: 'x y' }], a: 'yes', n: null } } },
      { label: 'an undefined variable fails the host', module: 'template', args: { src: tpl('undefined.j2'), dest: out('never') } },
    ];
    await compareSteps(ftl, 'localhost', steps.map((s) => ({ ...s, normalise: NORMALISE })), reset);
    const text = readFileSync(out('nginx.conf'), 'utf8');
    assert.match(text, /^# Ansible managed\n# localhost from nginx\.conf\.j2\n/);
    assert.match(text, /listen 8443;/);
    assert.match(text, /server 10\.0\.0\.2:9000 backup;/);
    assert.equal(statSync(out('nginx.conf')).mode & 0o777, 0o640, 'a rewritten file keeps its mode');
    assert.equal(readFileSync(out('lines-crlf'), 'utf8'), 'items:\r\n    - 1\r\n    - 2\r\n  end\r\n');
  });

  it('ftl run takes the variables with -e (key=value words or JSON), relative src from ./templates', async () => {
    reset();
    writeFileSync(tpl('cli.j2'), 'port={{ port }} names={{ names | join(",") }}\n');
    const r = await ftlCli(['run', 'localhost', 'template', 'src=cli.j2', `dest=${out('cli')}`, '-e', 'port=8080', '-e', '{"names": ["a", "b"]}', '--json'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.equal(readFileSync(out('cli'), 'utf8'), 'port=8080 names=a,b\n');
    const bad = await ftlCli(['run', 'localhost', 'template', 'src=cli.j2', `dest=${out('cli')}`, '-e', 'not words'], { cwd: dir });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /-e takes key=value words or a JSON object/);
  });

  it("a syntax error fails each host with Ansible's message; a missing template is refused before any host is touched", async () => {
    writeFileSync(tpl('macro.j2'), '{% macro m(x) %}<{{ x }}>{% endmacro %}{{ m(1) }}\n');
    const m = await ftl.run('localhost', 'template', { src: tpl('macro.j2'), dest: out('m') });
    assert.equal(m.host('localhost')?.changed, true, 'macros render');
    assert.equal(readFileSync(out('m'), 'utf8'), '<1>\n');
    writeFileSync(tpl('broken.j2'), '{% if x %}\nno end\n');
    const r = await ftl.run('localhost', 'template', { src: tpl('broken.j2'), dest: out('b') });
    assert.equal(r.failed.length, 1);
    assert.match(String(r.host('localhost')?.msg), /^AnsibleError: template error while templating string: Unexpected end of template/);
    assert.equal(existsSync(out('b')), false);
    await assert.rejects(ftl.run('localhost', 'template', { src: tpl('nope.j2'), dest: out('n') }), /could not find src '.*nope\.j2'/);
  });
});

describe('template on lab hosts over SSH, with inventory variables', () => {
  it('each host gets its own rendering, as ansible renders it', { timeout: 300_000 }, async () => {
    await withLab(2, async (lab) => {
      const dir = mkdtempSync(join(tmpdir(), 'ftl-template-lab-'));
      try {
        // Host and group variables in an inventory of its own, over the lab's hosts.
        const inv = join(dir, 'inventory.yml');
        const base = readFileSync(lab.inventoryPath, 'utf8');
        writeFileSync(inv, base.replace(/(lab01:\n\s+ansible_host: [^\n]+\n(\s+)ansible_port: \d+)/, '$1\n$2role: primary\n$2weight: 10').replace(/ {2}vars:\n/, '  vars:\n    site: lab-site\n'));
        writeFileSync(join(dir, 'host.j2'), 'host={{ inventory_hostname }} site={{ site }} role={{ role | default("replica") }} weight={{ weight | default(1) * 2 }}\ngroups={{ group_names | join(",") }} all={{ groups["all"] | length }} first={{ hostvars["lab01"].role | default("none") }}\n');
        const ftl = await automation({ inventory: inv });
        try {
          const steps = (host: string): ActionStep[] => [
            { label: `${host}: rendered`, module: 'template', args: { src: join(dir, 'host.j2'), dest: join(dir, `out-${host}`) }, diff: true },
            { label: `${host}: again`, module: 'template', args: { src: join(dir, 'host.j2'), dest: join(dir, `out-${host}`) } },
          ];
          const reset = (): void => {
            for (const host of ['lab01', 'lab02']) rmSync(join(dir, `out-${host}`), { force: true });
          };
          // Ansible's side for both hosts in one ansible-playbook run.
          await compareStepsOnHosts(ftl, ['lab01', 'lab02'], (host) => steps(host).map((s) => ({ ...s, normalise: NORMALISE })), reset, { inventory: inv });
          assert.equal(readFileSync(join(dir, 'out-lab01'), 'utf8'), 'host=lab01 site=lab-site role=primary weight=20\ngroups=lab all=2 first=primary\n');
          assert.equal(readFileSync(join(dir, 'out-lab02'), 'utf8'), 'host=lab02 site=lab-site role=replica weight=2\ngroups=lab all=2 first=primary\n');
        } finally {
          await ftl.close();
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
