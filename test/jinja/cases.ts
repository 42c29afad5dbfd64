/** Templates and variables rendered by both ftl's engine and Ansible's templar (oracle.py). */
export interface Case {
  name: string;
  template: string;
  vars?: Record<string, unknown>;
  options?: { trim_blocks?: boolean; lstrip_blocks?: boolean; newline_sequence?: string };
}

const people = [
  { name: 'ann', age: 31, admin: true, groups: ['wheel', 'dev'] },
  { name: 'bob', age: 25, admin: false, groups: [] },
  { name: 'cy', age: 40, admin: false, groups: ['dev'] },
];

export const CASES: Case[] = [
  // variables and output
  { name: 'plain text', template: 'hello\nworld\n' },
  { name: 'variables of every type', template: '{{ s }}|{{ i }}|{{ f }}|{{ t }}|{{ n }}|{{ l }}|{{ d }}\n', vars: { s: 'x', i: 3, f: 1.5, t: true, n: null, l: [1, 'a', null, true], d: { k: 'v', n: [1] } } },
  { name: 'attribute and item access', template: '{{ d.k }} {{ d["k"] }} {{ l[0] }} {{ l[-1] }} {{ d.n[0] }} {{ l.1 }}\n', vars: { d: { k: 'v', n: [7] }, l: [1, 2, 3] } },
  { name: 'slices', template: '{{ l[1:] }} {{ l[:2] }} {{ l[::-1] }} {{ s[1:3] }} {{ s[::2] }}\n', vars: { l: [1, 2, 3, 4], s: 'abcdef' } },
  { name: 'arithmetic', template: '{{ 1 + 2 }} {{ 7 / 2 }} {{ 8 / 2 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 2 ** 10 }} {{ 1.5 * 2 }} {{ 2 ** -1 }} {{ "ab" * 3 }} {{ [1] + [2] }} {{ "a" ~ 1 ~ none }}\n' },
  { name: 'comparison and logic', template: '{{ 1 < 2 < 3 }} {{ 1 == 1.0 }} {{ "a" in "cat" }} {{ 2 in [1, 2] }} {{ "k" in d }} {{ 3 not in [1] }} {{ not true }} {{ 0 or "x" }} {{ 1 and 2 }} {{ [] or none }}\n', vars: { d: { k: 1 } } },
  { name: 'conditional expression', template: '{{ "yes" if flag else "no" }} {{ "a" if not flag else "b" }}\n', vars: { flag: true } },
  { name: 'string literal escapes and concatenation', template: '{{ "tab\\there" }} {{ \'it\\\'s\' }} {{ "a" "b" }}\n' },
  { name: 'float output', template: '{{ 0.1 + 0.2 }} {{ 1e3 }} {{ 10.0 }} {{ 1 / 3 }} {{ 2.5e-5 }} {{ 123456789012345678.0 }}\n' },
  { name: 'list and dict literals', template: '{{ [1, "two", {"k": none}] }} {{ {"a": 1, "b": [true]} }} {{ (1, 2) }} {{ (1,) }}\n' },
  { name: 'None prints as nothing, inside a list as None', template: '[{{ n }}] {{ [n] }}\n', vars: { n: null } },
  { name: 'unicode', template: '{{ s }} {{ [s] }} {{ s | length }}\n', vars: { s: 'héllo ☃' } },
  // whitespace control
  { name: 'trim_blocks drops the newline after a block tag', template: '{% if true %}\nyes\n{% endif %}\nafter\n' },
  { name: 'minus strips on both sides', template: 'a   {%- if true -%}   b   {%- endif -%}   c\n' },
  { name: 'minus on variables', template: 'a\n  {{- x -}}\n  b\n', vars: { x: 'X' } },
  { name: 'plus keeps the newline trim_blocks would drop', template: '{% if true +%}\nkept\n{% endif %}\n' },
  { name: 'indented blocks without lstrip_blocks', template: 'list:\n  {% for i in l %}\n  - {{ i }}\n  {% endfor %}\nend\n', vars: { l: [1, 2] } },
  { name: 'lstrip_blocks', template: 'list:\n  {% for i in l %}\n  - {{ i }}\n  {% endfor %}\nend\n', vars: { l: [1, 2] }, options: { lstrip_blocks: true } },
  { name: 'trim_blocks off', template: '{% if true %}\nyes\n{% endif %}\n', options: { trim_blocks: false } },
  { name: 'comments', template: 'a{# a comment #}b\n{# own line #}\nc {#- stripped -#} d\n' },
  { name: 'raw', template: '{% raw %}{{ not rendered }} {% if %}{% endraw %}\nnext\n' },
  { name: 'trailing newlines are kept', template: 'x\n\n\n' },
  { name: 'no trailing newline', template: 'x' },
  { name: 'block at the very end', template: 'a\n{% if true %}b{% endif %}\n' },
  { name: 'crlf newline sequence', template: 'a\nb {{ "c\\nd" }}\n', options: { newline_sequence: '\r\n' } },
  // statements
  { name: 'if/elif/else', template: '{% for n in [1, 5, 10] %}{% if n < 3 %}small{% elif n < 8 %}medium{% else %}large{% endif %} {% endfor %}\n' },
  { name: 'for with loop variables', template: '{% for p in people %}{{ loop.index }}/{{ loop.index0 }}/{{ loop.revindex }}/{{ loop.revindex0 }}/{{ loop.first }}/{{ loop.last }}/{{ loop.length }} {{ p.name }}\n{% endfor %}', vars: { people } },
  { name: 'for over a dict, items() and unpacking', template: '{% for k in d %}{{ k }} {% endfor %}| {% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}\n', vars: { d: { b: 1, a: 2 } } },
  { name: 'for with else and a filter', template: '{% for p in people if p.admin %}{{ p.name }}{% else %}none{% endfor %} {% for x in [] %}x{% else %}empty{% endfor %}\n', vars: { people } },
  { name: 'loop.cycle, previtem, nextitem, nested loops', template: '{% for i in [1,2,3] %}{{ loop.cycle("odd", "even") }}{% if not loop.first %}<{{ loop.previtem }}{% endif %}{% if not loop.last %}>{{ loop.nextitem }}{% endif %} {% for j in "ab" %}{{ loop.index }}{{ j }}{% endfor %};{% endfor %}\n' },
  { name: 'set, scoping and namespace', template: '{% set x = 1 %}{% set a, b = [2, 3] %}{% for i in [1] %}{% set x = 5 %}{{ x }}{% endfor %} {{ x }} {{ a }}{{ b }} {% set ns = namespace(total=0) %}{% for i in [1, 2, 3] %}{% set ns.total = ns.total + i %}{% endfor %}{{ ns.total }}\n' },
  { name: 'block set with a filter', template: '{% set body | upper %}\nhello {{ who }}\n{% endset %}[{{ body }}]\n', vars: { who: 'you' } },
  { name: 'filter block and with', template: '{% filter upper %}quiet {{ x }}{% endfilter %} {% with y = x ~ "!" %}{{ y }}{% endwith %}\n', vars: { x: 'please' } },
  { name: 'range and methods', template: '{{ range(3) | list }} {{ range(1, 10, 3) | list }} {{ "a,b,c".split(",") }} {{ " x ".strip() }} {{ "Abc".upper() }} {{ "abc".startswith("a") }} {{ d.get("k") }} {{ d.get("z", 0) }} {{ d.keys() | list }} {{ "{} and {}".format(1, 2) }}\n', vars: { d: { k: 'v' } } },
  { name: 'percent formatting', template: '{{ "%s:%d" % ("port", 80) }} {{ "%05.1f" % 3.14159 }} {{ "%-5s|" % "ab" }} {{ "%x" % 255 }} {{ "%(a)s" % {"a": 1} }}\n' },
  // tests
  { name: 'tests', template: '{{ x is defined }} {{ y is defined }} {{ y is undefined }} {{ n is none }} {{ s is string }} {{ i is number }} {{ s is number }} {{ i is divisibleby 3 }} {{ i is odd }} {{ l is sequence }} {{ d is mapping }} {{ s is not none }} {{ "abc" is match("a.c") }} {{ "xabc" is search("b") }} {{ i is eq 3 }}\n', vars: { x: 1, n: null, s: 'str', i: 3, l: [], d: {} } },
  // filters
  { name: 'default and d', template: '{{ missing | default("dflt") }} {{ missing | d(5) }} {{ empty | default("e", true) }} {{ empty | default("e") }} {{ x | default("no") }} {{ missing.attr | default("deep") }}\n', vars: { empty: '', x: 'yes' } },
  { name: 'string filters', template: '{{ s | upper }} {{ s | lower }} {{ s | capitalize }} {{ s | title }} {{ "  pad  " | trim }} {{ s | replace("l", "L") }} {{ s | replace("l", "L", 1) }} {{ s | length }} {{ s | wordcount }} {{ s | center(15) }}|\n', vars: { s: 'hello wORld' } },
  { name: 'join, length, first, last, list filters', template: '{{ l | join(", ") }} {{ l | join }} {{ l | length }} {{ l | count }} {{ l | first }} {{ l | last }} {{ l | reverse | list }} {{ l | sort }} {{ l | sort(reverse=true) }} {{ l | unique }} {{ l | min }} {{ l | max }} {{ l | sum }}\n', vars: { l: [3, 1, 2, 3] } },
  { name: 'int, float, string, bool, abs, round', template: '{{ "42" | int }} {{ "4.7" | int }} {{ "x" | int }} {{ "x" | int(7) }} {{ "0x1f" | int(base=16) }} {{ 3 | float }} {{ "2.5" | float }} {{ 5 | string }} {{ "yes" | bool }} {{ "no" | bool }} {{ -3 | abs }} {{ 3.14159 | round(2) }} {{ 2.5 | round }} {{ 3.7 | round(0, "floor") }}\n' },
  { name: 'to_json and to_nice_json', template: '{{ d | to_json }}\n{{ d | to_nice_json }}\n{{ d | to_nice_json(indent=2) }}\n{{ "é" | to_json }}\n', vars: { d: { b: [1, 2.5, null, true], a: { 'x y': 'é' }, c: 'q"uote' } } },
  { name: 'to_yaml and to_nice_yaml', template: '{{ d | to_yaml }}---\n{{ d | to_nice_yaml }}---\n{{ l | to_nice_yaml(indent=2) }}---\n{{ "text" | to_yaml }}', vars: { d: { b: [1, 2, { x: 'y', z: [1, 2] }], a: { k: 'v', n: null, t: true, f: 1.5, e: '', s: 'yes', n2: '123', col: 'a: b', multi: 'l1\nl2\n', q: "it's", lead: ' x', tab: 'a\tb', empty_list: [], empty_dict: {} }, long: 'word '.repeat(25) }, l: [{ a: 1, b: [1, 2] }, 'x'] } },
  { name: 'indent', template: 'key:\n  {{ text | indent(2) }}\n{{ text | indent(4, true) }}\n{{ text | indent(first=true, blank=true) }}\n', vars: { text: 'a\nb\n\nc' } },
  { name: 'b64encode, basename, dirname and friends', template: '{{ "hello" | b64encode }} {{ "aGVsbG8=" | b64decode }} {{ p | basename }} {{ p | dirname }} {{ p | splitext }} {{ "a b" | quote }}\n', vars: { p: '/etc/nginx/nginx.conf' } },
  { name: 'map, select, reject, selectattr, rejectattr', template: '{{ people | map(attribute="name") | list }} {{ people | selectattr("admin") | map(attribute="name") | list }} {{ people | rejectattr("admin") | map(attribute="name") | join(",") }} {{ people | selectattr("age", "gt", 30) | map(attribute="name") | list }} {{ [1, 2, 3, 4] | select("odd") | list }} {{ [1, 2, 3, 4] | reject("even") | list }} {{ ["a", "b"] | map("upper") | list }}\n', vars: { people } },
  { name: 'dict filters', template: '{{ d | dict2items }} {{ d | dict2items | items2dict }} {{ d | combine({"c": 3}) }} {{ {"a": {"x": 1}} | combine({"a": {"y": 2}}, recursive=true) }} {{ d | dictsort }} {{ d.items() | list }} {{ d | list }}\n', vars: { d: { b: 2, a: 1 } } },
  { name: 'list set filters', template: '{{ [1, [2, [3]]] | flatten }} {{ [1, [2, [3]]] | flatten(1) }} {{ [1, 2, 3] | difference([2]) }} {{ [1, 2] | union([2, 3]) }} {{ [1, 2] | intersect([2, 3]) }} {{ [1, 2] | zip(["a", "b"]) | list }}\n' },
  { name: 'regex filters and ternary', template: '{{ "abc123" | regex_replace("[0-9]+", "#") }} {{ "key=val" | regex_replace("^(\\\\w+)=(\\\\w+)$", "\\\\2=\\\\1") }} {{ "abc123" | regex_search("[0-9]+") }} {{ "a1b22" | regex_findall("[0-9]+") }} {{ flag | ternary("on", "off") }}\n', vars: { flag: false } },
  { name: 'filters and tests with dotted ansible.builtin names', template: '{{ [1] | ansible.builtin.to_json }} {{ "abc" is ansible.builtin.match("a") }}\n' },
  { name: 'ansible_managed style comment header', template: '# {{ ansible_managed }}\n# {{ inventory_hostname }}\n[main]\n{% for k, v in settings | dictsort %}\n{{ k }} = {{ v }}\n{% endfor %}\n', vars: { ansible_managed: 'Ansible managed', inventory_hostname: 'web01', settings: { port: 80, host: '0.0.0.0', debug: false } } },
  { name: 'an nginx-like config', template: 'upstream app {\n{% for h in backends %}\n    server {{ h.host }}:{{ h.port | default(8080) }}{% if h.backup | default(false) %} backup{% endif %};\n{% endfor %}\n}\nserver {\n    listen {{ port }};\n    server_name {{ names | join(" ") }};\n{% if tls is defined and tls %}\n    ssl_certificate {{ tls.cert }};\n{% endif %}\n}\n', vars: { port: 443, names: ['a.example', 'b.example'], backends: [{ host: '10.0.0.1' }, { host: '10.0.0.2', port: 9000, backup: true }], tls: { cert: '/etc/ssl/c.pem' } } },
  // more coverage: the corners templates meet
  { name: 'nested loops and loop.depth', template: '{% for a in [1, 2] %}{% for b in "xy" %}{{ loop.depth }}{{ a }}{{ b }}{{ loop.index }} {% endfor %}|{% endfor %}\n' },
  { name: 'is not defined and chained undefined attributes', template: '{{ x is not defined }} {{ x.y is defined }} {{ d.k.z is defined }} {{ d.nope | default("dd") }}\n', vars: { d: { k: {} } } },
  { name: 'list and dict comparisons', template: '{{ [1, 2] == [1, 2] }} {{ [1, 2] < [1, 3] }} {{ {"a": 1} == {"a": 1} }} {{ "b" > "a" }} {{ 1 != "1" }} {{ none == none }}\n' },
  { name: 'truthiness in if', template: '{% for v in [0, 1, "", "x", [], [0], {}, none, 0.0] %}{{ "T" if v else "F" }}{% endfor %}\n' },
  { name: 'batch, truncate, format filter, wordcount', template: '{{ [1,2,3,4,5] | batch(2) | list }} {{ "a long sentence of words to cut" | truncate(15) }} {{ "%s-%s" | format("a", 1) }} {{ "one two three" | wordcount }}\n' },
  { name: 'items filter and dictsort by value', template: '{{ d | items | list }} {{ d | dictsort(by="value") }} {{ d | dictsort(reverse=true) }}\n', vars: { d: { b: 1, a: 2, c: 0 } } },
  { name: 'int and float edge cases', template: '{{ 3.9 | int }} {{ -3.9 | int }} {{ "  7 " | int }} {{ true | int }} {{ "1e3" | float }} {{ 10 / 4 }} {{ 10 // 4 }} {{ 2 ** 0.5 }} {{ (0.1 * 3) | round(1) }} {{ 1000000 * 1000000 }}\n' },
  { name: 'string methods', template: '{{ "a-b-c".split("-", 1) }} {{ "a b  c".split() }} {{ "x".join(["1", "2"]) }} {{ "Hello".lower().replace("l", "L") }} {{ "abc".endswith(("c", "d")) }} {{ "  x  ".lstrip() }}| {{ "abc".find("c") }} {{ "a,b".rsplit(",", 1) }} {{ "7".zfill(3) }} {{ "ab".center(6) }}|\n' },
  { name: 'to_nice_yaml of nested structures', template: '{{ d | to_nice_yaml }}', vars: { d: { users: [{ name: 'ann', groups: ['wheel', 'dev'], shell: '/bin/bash' }, { name: 'bob', groups: [], opts: { a: 1 } }], 'key with space': 'v', 'true': 'bool-like key', empty: null, nested: [[1, 2], [3, [4]]] } } },
  { name: 'to_yaml flow style, wrapped at 80 columns', template: '{{ d | to_yaml }}', vars: { d: { list: Array.from({ length: 30 }, (_, i) => `item${i}`), short: [1, 2], map: { a: 1, b: 'x' } } } },
  { name: 'yaml quoting of strings', template: '{{ l | to_nice_yaml }}', vars: { l: ['yes', 'No', 'null', '~', '', '1.5', '0755', '12:30', '2024-01-01', 'a: b', '#x', '- x', 'x #y', 'it\'s', '"q"', 'tab\there', 'é', 'trailing ', ' leading', '@at', 'multi\nline\n', 'x'.repeat(90), 'word '.repeat(20) + 'end'] } },
  { name: 'to_json of unicode, floats and nested', template: '{{ d | to_json }} {{ d | to_json(sort_keys=true) }} {{ [1.0, 2.5, -0.0] | to_json }}\n', vars: { d: { z: 'ü', a: [{ b: null }] } } },
  { name: 'map with filter arguments and selectattr equalto', template: '{{ ["a", "b"] | map("regex_replace", "^", "x-") | list }} {{ people | selectattr("name", "equalto", "bob") | map(attribute="age") | first }} {{ people | map(attribute="missing", default="?") | list }}\n', vars: { people } },
  { name: 'whitespace control around for and if on their own lines', template: 'start\n{%- for i in [1, 2] %}\n  item {{ i }}\n{%- endfor %}\n{% if true -%}\n   next\n{%- endif %}\nend\n' },
  { name: 'lstrip_blocks with comments and indented if', template: 'a:\n    {# note #}\n    {% if true %}\n    b: 1\n    {% endif %}\n', options: { lstrip_blocks: true } },
  { name: 'set with a list and loop over it, tuple unpacking in for', template: '{% set pairs = [("a", 1), ("b", 2)] %}{% for k, v in pairs %}{{ k }}{{ v }}{% endfor %} {% for (k, v) in pairs %}{{ v }}{% endfor %}\n' },
  { name: 'inline if without else gives nothing', template: '[{{ "x" if false }}]\n' },
  { name: 'subscript with variables and negative slices', template: '{{ d[key] }} {{ l[-2:] }} {{ l[idx] }} {{ "hello"[-1] }}\n', vars: { d: { k: 'v' }, key: 'k', l: [1, 2, 3], idx: 1 } },
  { name: 'comparison with in on dict keys and string', template: '{{ "a" in d }} {{ "z" not in d }} {{ "ell" in "hello" }} {{ 1 in d.values() | list }}\n', vars: { d: { a: 1 } } },
  { name: 'ternary with none, bool filter, mandatory passes', template: '{{ none | ternary("t", "f", "n") }} {{ "on" | bool }} {{ x | mandatory }}\n', vars: { x: 5 } },
];

/** Templates that fail under Ansible, with the same message from ftl. */
export const ERROR_CASES: Case[] = [
  { name: 'an undefined variable', template: 'x {{ nope }}\n' },
  { name: 'an undefined attribute', template: '{{ d.missing }}\n', vars: { d: {} } },
  { name: 'an undefined variable in an if', template: '{% if nope %}x{% endif %}\n' },
  { name: 'a missing list element', template: '{{ l[5] }}\n', vars: { l: [1] } },
  { name: 'an undefined variable in a filter', template: '{{ nope | upper }}\n' },
  { name: 'an undefined loop source', template: '{% for x in nope %}{{ x }}{% endfor %}\n' },
  { name: 'mandatory on an undefined variable', template: '{{ nope | mandatory }}\n' },
];
