/**
 * The template parity cases: each renders a file of test/fixtures/templates on every lab
 * host, through ansible-playbook and through ftl, with the inventory below (group and
 * host variables, some of them templates themselves) and each case's task `vars:`.
 */

export interface TemplateCase {
  /** Also the name of the rendered file on the host. */
  readonly name: string;
  /** The template, relative to ./templates. */
  readonly src: string;
  /** The task's `vars:` (the call option vars for ftl). */
  readonly vars?: Readonly<Record<string, unknown>>;
  /** Template options beyond src and dest (trim_blocks, newline_sequence, mode, ...). */
  readonly args?: Readonly<Record<string, unknown>>;
  readonly check?: boolean;
  readonly diff?: boolean;
  /** Rendered on both lab hosts (its output depends on the host); else on lab01 only. */
  readonly both?: boolean;
  /**
   * Ansible's side over the lab's SSH too. Other cases run there with a local connection:
   * the lab shares this machine's files and user, so the rendering, the files and the
   * results are the same, and an SSH command costs Ansible seconds on a loaded machine.
   */
  readonly ssh?: boolean;
  /** ftl refuses the call before any host is touched (its option check), where Ansible fails each host: both must say why. */
  readonly refused?: RegExp;
}

const people = [
  { name: 'ann', age: 31, admin: true, groups: ['wheel', 'dev'] },
  { name: 'bob', age: 25, admin: false, groups: [] },
  { name: 'cy', age: 40, admin: false, groups: ['dev'] },
];

/** Variables of the 'lab' group, and of each host, added to the lab's own inventory. */
export const GROUP_VARS: Record<string, unknown> = {
  site: 'lab-site',
  domain: 'lab.example',
  port: 443,
  server_names: ['a.example', 'b.example'],
  backends: [{ host: '10.0.0.1' }, { host: '10.0.0.2', port: 9000, backup: true }],
  tls: { cert: '/etc/ssl/site.pem', key: '/etc/ssl/site.key' },
  locations: { '/': { proxy_pass: 'http://app' }, '/static': { root: '/srv/static', expires: '30d' } },
  timeouts: { connect: 5, client: 30, server: 30 },
  users: [{ name: 'ann', shell: '/bin/bash', ssh: true }, { name: 'bob', ssh: false }, { name: 'cy', ssh: true }],
  ssh: { port: 2200, listen: ['0.0.0.0', '::'], root_login: false, passwords: 'no', ciphers: ['aes256-gcm@openssh.com', 'chacha20-poly1305@openssh.com'] },
  service: { description: 'Demo app', user: 'demo', exec: '/usr/bin/demo', args: ['--config', '/etc/demo/demo.conf', "it's quoted"], env: { B: '2', A: 'one two' }, after: ['network-online.target', 'db.service'] },
  app: { name: 'demo', debug: false, threads: 4, ratio: 0.75, tags: ['a', 'b'], nested: { x: null, 'key with space': 'é' } },
  ini: { main: { port: 80, debug: true, name: 'demo' }, db: { host: 'db.local', pool: 5 } },
  people,
  url: 'https://{{ inventory_hostname }}.{{ domain }}:{{ port }}/',
  greeting: "hello from {{ role | default('replica') }}",
  chain: '{{ greeting }} / {{ url }}',
  overridden: 'inventory-level',
};

export const HOST_VARS: Record<string, Record<string, unknown>> = {
  lab01: { role: 'primary', weight: 10, app_port: 9000 },
  lab02: { weight: 2 },
};

const BASIC = {
  s: 'str', i: 3, f: 1.5, t: true, n: null, l: [1, 'a', null, true], d: { k: 'v', n: [7] }, x: 'X', flag: false, who: 'you',
  name: 'ftl', p: '/etc/nginx/nginx.conf', empty: '', text: 'a\nb\n\nc', long: 'word '.repeat(25).trim(),
  jp: '日本語テキスト', emoji: 'ok 👍🏽 done',
};

const QUOTING = {
  quoting: ['yes', 'No', 'null', '~', '', '1.5', '0755', '12:30', '2024-01-01', 'a: b', '#x', '- x', 'x #y', "it's", '"q"', 'tab\there', 'é', 'trailing ', ' leading', '@at', 'multi\nline\n', 'x'.repeat(90), `${'word '.repeat(20)}end`],
  nested: { users: [{ name: 'ann', groups: ['wheel', 'dev'], shell: '/bin/bash' }, { name: 'bob', groups: [], opts: { a: 1 } }], 'key with space': 'v', true: 'bool-like key', empty: null, nested: [[1, 2], [3, [4]]] },
};

const JSONY = {
  d: { b: [1, 2.5, null, true], a: { 'x y': 'é', k: 'v', n: null, t: true, f: 1.5, e: '', s: 'yes', n2: '123', col: 'a: b', multi: 'l1\nl2\n', q: "it's", lead: ' x', tab: 'a\tb', empty_list: [], empty_dict: {} }, c: 'q"uote', long: 'word '.repeat(25) },
  l: [{ a: 1, b: [1, 2] }, 'x'],
};

export const CASES: readonly TemplateCase[] = [
  // real-world configuration files
  { name: 'nginx.conf', both: true, src: 'nginx.conf.j2' },
  { name: 'haproxy.cfg', both: true, src: 'haproxy.cfg.j2', vars: { maxconn: 2000 } },
  { name: 'etc-hosts', both: true, src: 'etc-hosts.j2' },
  { name: 'sshd_config', src: 'sshd_config.j2' },
  { name: 'systemd.service', src: 'systemd.service.j2' },
  { name: 'prometheus.yml', src: 'prometheus.yml.j2' },
  { name: 'app-config.json', both: true, src: 'app-config.json.j2' },
  { name: 'app.ini', src: 'app.ini.j2' },
  { name: 'motd', both: true, src: 'motd.j2' },
  // values and expressions
  { name: 'plain', src: 'plain.j2' },
  { name: 'variables', src: 'variables.j2', vars: BASIC },
  { name: 'slices', src: 'slices.j2', vars: { l: [1, 2, 3, 4], s: 'abcdef' } },
  { name: 'arithmetic', src: 'arithmetic.j2' },
  { name: 'comparisons', src: 'comparisons.j2', vars: { d: { k: 1 }, flag: true } },
  { name: 'literals', src: 'literals.j2', vars: { n: null } },
  { name: 'floats', src: 'floats.j2', vars: { f: 0.1 } },
  { name: 'unicode', src: 'unicode.j2', vars: { s: 'héllo ☃', jp: BASIC.jp, emoji: BASIC.emoji } },
  { name: 'format-specs', both: true, src: 'format-specs.j2', vars: { x: 42, name: 'ftl' } },
  // whitespace and options
  { name: 'whitespace', src: 'whitespace.j2', vars: { x: 'X' } },
  { name: 'whitespace-lstrip', src: 'whitespace.j2', vars: { x: 'X' }, args: { lstrip_blocks: true } },
  { name: 'whitespace-notrim', src: 'whitespace.j2', vars: { x: 'X' }, args: { trim_blocks: false } },
  { name: 'whitespace-crlf', src: 'whitespace.j2', vars: { x: 'X' }, args: { newline_sequence: '\\r\\n' } },
  { name: 'options-lines-cr', src: 'options-lines.j2', vars: { items: [1, 2] }, args: { newline_sequence: '\\r', lstrip_blocks: 'yes', trim_blocks: 'no' } },
  { name: 'comments-raw', src: 'comments-raw.j2' },
  { name: 'trailing-newlines', src: 'trailing-newlines.j2' },
  { name: 'no-trailing-newline', src: 'no-trailing-newline.j2' },
  { name: 'jinja2-header', src: 'jinja2-header.j2' },
  { name: 'jinja2-header-delimiters', src: 'jinja2-header-delimiters.j2' },
  { name: 'custom-delimiters', src: 'custom-delimiters.j2', args: { variable_start_string: '[[', variable_end_string: ']]', block_start_string: '<<', block_end_string: '>>', comment_start_string: '/*', comment_end_string: '*/' } },
  { name: 'latin1', src: 'latin1.j2', vars: { city: 'Zürich' }, args: { output_encoding: 'latin-1' } },
  { name: 'utf16', src: 'latin1.j2', vars: { city: 'Zürich' }, args: { output_encoding: 'utf-16' } },
  // statements
  { name: 'control', src: 'control.j2', vars: { people, d: { b: 1, a: 2 } } },
  { name: 'set-scoping', src: 'set-scoping.j2', vars: { who: 'you' } },
  { name: 'macros', both: true, src: 'macros.j2' },
  { name: 'import', src: 'import.j2' },
  { name: 'include', both: true, src: 'include.j2' },
  { name: 'extends', both: true, src: 'extends.j2' },
  // methods, tests and filters
  { name: 'methods', src: 'methods.j2', vars: { d: { k: 'v' } } },
  { name: 'tests', src: 'tests.j2', vars: { x: 1, n: null, s: 'str', i: 3, f: 1.5, t: true, l: [], d: { a: 1 } } },
  { name: 'default-mandatory', src: 'default-mandatory.j2', vars: { empty: '', s: 'yes', d: { k: {} } } },
  { name: 'string-filters', src: 'string-filters.j2', vars: { s: 'hello wORld', p: '/etc/nginx/nginx.conf' } },
  { name: 'indent-wordwrap', src: 'indent-wordwrap.j2', vars: { text: BASIC.text, long: BASIC.long } },
  { name: 'list-filters', src: 'list-filters.j2', vars: { l: [3, 1, 2, 3] } },
  { name: 'type-filters', src: 'type-filters.j2' },
  { name: 'json-yaml', src: 'json-yaml.j2', vars: JSONY },
  { name: 'yaml-quoting', src: 'yaml-quoting.j2', vars: QUOTING },
  { name: 'map-select', src: 'map-select.j2' },
  { name: 'dict-filters', src: 'dict-filters.j2', vars: { d: { b: 2, a: 1, c: 0 } } },
  { name: 'regex', src: 'regex.j2', vars: { flag: false } },
  { name: 'hashes', src: 'hashes.j2' },
  { name: 'groupby', src: 'groupby.j2' },
  { name: 'comment-filter', src: 'comment-filter.j2' },
  { name: 'dates', src: 'dates.j2' },
  { name: 'version-tests', src: 'version-tests.j2' },
  { name: 'ipaddr', src: 'ipaddr.j2' },
  { name: 'json-query', src: 'json-query.j2' },
  // lookups
  { name: 'lookups', both: true, src: 'lookups.j2' },
  { name: 'passwords', both: true, src: 'passwords.j2' },
  // variables Ansible adds
  { name: 'magic-vars', both: true, ssh: true, src: 'magic-vars.j2' },
  { name: 'hostvars', both: true, src: 'hostvars.j2' },
  { name: 'call-vars', both: true, src: 'call-vars.j2', vars: { port: 8443, extra_list: ['x', 'y'], derived: '{{ port * 2 }} on {{ inventory_hostname }}', overridden: 'task-level' } },
  { name: 'facts', both: true, src: 'facts.j2' },
  // the copy part: modes, check and diff
  { name: 'mode-preserve', ssh: true, src: 'motd.j2', args: { mode: 'preserve' } },
  { name: 'mode-0600', src: 'plain.j2', args: { mode: '0600' } },
  { name: 'check-diff', ssh: true, src: 'nginx.conf.j2', check: true, diff: true },
  { name: 'diff', ssh: true, src: 'haproxy.cfg.j2', diff: true },
  // failures: the same message as Ansible's
  { name: 'error-undefined', ssh: true, src: 'error-undefined.j2' },
  { name: 'error-undefined-attr', src: 'error-undefined-attr.j2', vars: { d: {} } },
  { name: 'error-undefined-loop', src: 'error-undefined-loop.j2' },
  { name: 'error-index', src: 'error-index.j2', vars: { l: [1] } },
  { name: 'error-mandatory', src: 'error-mandatory.j2' },
  { name: 'error-syntax', src: 'error-syntax.j2' },
  { name: 'error-syntax-expression', src: 'error-syntax-expression.j2' },
  { name: 'error-unknown-filter', src: 'error-unknown-filter.j2', vars: { x: 1 } },
  { name: 'error-missing-include', src: 'error-missing-include.j2' },
  { name: 'error-lookup', src: 'error-lookup.j2' },
  { name: 'error-zero-division', src: 'error-zero-division.j2' },
  { name: 'error-hostvars', src: 'error-hostvars.j2' },
  { name: 'error-undefined-filter', src: 'error-undefined-filter.j2' },
  { name: 'error-bad-json', src: 'error-bad-json.j2' },
  { name: 'error-bad-newline', src: 'plain.j2', args: { newline_sequence: 'CRLF' }, refused: /option 'newline_sequence' of template must be one of \\n, \\r, \\r\\n; got 'CRLF'/ },
  { name: 'error-unencodable', src: 'error-unencodable.j2', args: { output_encoding: 'latin-1' } },
  { name: 'error-bad-encoding', src: 'plain.j2', args: { output_encoding: 'no-such-codec' } },
];
