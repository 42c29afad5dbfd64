import { UsageError } from '../base/errors.js';
import { foldHosts, naturalCompare } from '../base/hostset.js';
import { renderModuleDoc } from '../ui/index.js';
import type { DotContext } from './dot-commands.js';
import { dotHelp } from './dot-commands.js';
import type { Shared } from './shared.js';

const USAGE = `ftl.<group|host>.<module>({ args }, { check, diff, become, timeout, forks, vars, refresh })
  ftl.webservers.ping()                       a group        ftl.web_01.ping()    host web-01
  ftl['web:&prod'].command({ cmd: 'uptime' }) a pattern      ftl.local.stat({ path: '/etc' })
  ftl.db.community.general.ini_file({...})    FQCN chains    ftl.here.ping()      the .target
  _                                           the last result: _.failed, _.changed, _.host('web01')
  ftl[_.failed].ping()                        the last call's failed hosts as a target`;

function uptime(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

/** The DotContext of a REPL session: reads and changes the session's defaults. */
export function makeDotContext(s: Shared, hooks: { onChange: () => void; exit: () => Promise<void> }): DotContext {
  const { core } = s;
  let moduleNames: string[] | undefined;
  const ctx: DotContext = {
    print: (t) => {
      s.print(t);
    },
    hosts(pattern) {
      if (pattern === undefined && core.inventory.hostNames.length === 0) return ['localhost'];
      return pattern === undefined ? [...core.inventory.hostNames] : core.hostsOf(pattern);
    },
    groups() {
      return core.inventory.groupNames.map((name) => ({ name, hosts: core.inventory.hostsOf(name).length }));
    },
    modules(filter) {
      const all = core.modules.names();
      const names = filter === undefined ? all.filter((n) => !n.includes('.')) : all.filter((n) => n.includes(filter));
      const hint = core.modules.ansibleAvailable
        ? filter === undefined
          ? 'short names only; .modules FILTER searches every collection (e.g. .modules community.general.)'
          : undefined
        : 'only the native modules: install Ansible (apt-get install ansible-core) for the others';
      return { names, hint };
    },
    // The index does not change during a session; sorting 8,000 names on every Tab would show.
    moduleNames: () => (moduleNames ??= core.modules.names()),
    targetNames: () => [...core.inventory.groupNames, ...core.inventory.hostNames],
    async doc(module) {
      const doc = await core.modules.doc(module);
      if (doc === undefined) {
        const info = core.modules.resolve(module);
        if (info === undefined) throw core.modules.notFound(module);
        throw new UsageError('FTL_MODULE_NOT_FOUND', `${info.fqcn} has no documentation ftl could read${info.path === undefined ? '' : ` (${info.path})`}`, { hint: `ansible-doc ${info.fqcn} shows what Ansible makes of it` });
      }
      return await renderModuleDoc(doc, { columns: s.out.columns ?? 100, colors: s.colors });
    },
    gates() {
      // By host, as .hosts lists them, not in the order they happened to open.
      const gates = core.gates.list().sort((a, b) => naturalCompare(a.key, b.key));
      if (gates.length === 0) return '(no gate open yet: the first call on a host opens one)';
      const now = Date.now();
      const rows = gates.map((g) => [g.key, g.status, g.python ?? '?', String(g.pid ?? '?'), uptime(now - g.openedAt), String(g.calls)]);
      const head = ['host', 'state', 'python', 'pid', 'uptime', 'calls'];
      const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
      return [head, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n');
    },
    async secrets(arg) {
      const names = arg.trim() === '' ? [] : arg.trim().split(/\s+/);
      const added = names.length === 0 ? [] : await core.named.add(names);
      const list = core.named.list();
      const bindings = core.named.listBindings();
      const lines: string[] = [];
      if (added.length > 0) lines.push(`added ${added.map((n) => `ftl.secrets.${n}`).join(', ')}`);
      if (list.length === 0) lines.push('(no secrets: ftl --secret NAME, or .secrets NAME, exposes an environment variable as ftl.secrets.NAME)');
      else {
        const w = Math.max(...list.map((x) => x.name.length)) + 2;
        lines.push(...list.map((x) => `${x.name.padEnd(w)}${x.source === 'env' ? 'environment' : 'Vault'}`));
      }
      for (const b of bindings) lines.push(`binding ${b.pattern}: ${Object.entries(b.params).map(([p, n]) => `${p} ← ${n}`).join(', ')}`);
      return lines.join('\n');
    },
    help() {
      return `${USAGE}\n\nCommands:\n${dotHelp()}`;
    },
    setTarget(pattern) {
      const hosts = core.hostsOf(pattern);
      core.defaultTarget = pattern;
      s.print(`target ${pattern}: ${foldHosts(hosts)} (${hosts.length})`);
      hooks.onChange();
    },
    setFlag(flag, on) {
      if (flag === 'json') s.json.on = on;
      else core.defaults[flag] = on;
      s.print(`${flag} ${on ? 'on' : 'off'}`);
      hooks.onChange();
    },
    setBecome(user) {
      core.defaults.become = user;
      s.print(user === undefined ? 'become off' : `become ${user}: every call runs as ${user} (through sudo, or su where ansible_become_method says so)`);
      hooks.onChange();
    },
    setForks(n) {
      core.defaults.forks = n;
      s.print(`forks ${n}`);
    },
    setTimeout(sec) {
      core.defaults.timeoutS = sec;
      s.print(`timeout ${sec} s`);
    },
    settings() {
      const d = core.defaults;
      return [
        `target   ${core.defaultTarget}`,
        `limit    ${core.limit ?? '(none)'}`,
        `check    ${d.check ? 'on' : 'off'}`,
        `diff     ${d.diff ? 'on' : 'off'}`,
        `become   ${d.become === true ? "on (each host's become user)" : (d.become ?? 'off')}`,
        `forks    ${d.forks}`,
        `timeout  ${d.timeoutS} s`,
        `json     ${s.json.on ? 'on' : 'off'}`,
      ].join('\n');
    },
    exit: hooks.exit,
  };
  return ctx;
}
