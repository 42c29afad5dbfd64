import { UsageError } from '../base/errors.js';
import { foldHosts, naturalCompare } from '../base/hostset.js';
import { formatPlain, renderModuleDoc } from '../ui/index.js';
import { formatHostWhole } from '../ui/whole.js';
import type { DotContext } from './dot-commands.js';
import { WatchView } from './watch-view.js';
import { dotHelp } from './dot-commands.js';
import type { Shared } from './shared.js';
import type { ShownSetting } from '../run/project-config.js';
import { gateReportText } from '../run/gate-lifecycle.js';
import { Recorder } from '../run/record.js';
import { exportSummary, sessionsPlaybook, writePlaybook } from '../run/playbook-export.js';

const USAGE = `ftl.<group|host>.<module>({ args }, { check, diff, become, timeout, forks, vars, refresh })
  ftl.webservers.ping()                       a group        ftl.web_01.ping()    host web-01
  ftl['web:&prod'].command({ cmd: 'uptime' }) a pattern      ftl.local.stat({ path: '/etc' })
  ftl.db.community.general.ini_file({...})    FQCN chains    ftl.here.ping()      the .target
  $ (or ftl.last)                             the last call's result: $.failed, $.changed, $.host('web01')
  const r = await ftl.web.ping()              a call's value is its result; every call prints when it ends
  ftl[$.failed].ping()                        the last call's failed hosts as a target
  _                                           as in node: the last line's value`;

/** The args as shown (secrets masked, as the result keeps them), on one line. */
function inspectArgs(args: Readonly<Record<string, unknown>>): string {
  const t = JSON.stringify(args);
  return t.length > 200 ? `${t.slice(0, 199)}…` : t;
}

function uptime(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

/** name, value, and where it came from (command line, env: ANSIBLE_X, an ansible.cfg, default), in columns. */
function settingRows(rows: readonly ShownSetting[]): string[] {
  const nw = Math.max(0, ...rows.map((r) => r.name.length)) + 2;
  const vw = Math.min(48, Math.max(0, ...rows.map((r) => r.value.length)) + 2);
  return rows.map((r) => `  ${r.name.padEnd(nw)}${r.value.padEnd(vw)}${r.origin}`);
}

/** The DotContext of a REPL session: reads and changes the session's defaults. */
export function makeDotContext(
  s: Shared,
  hooks: {
    onChange: () => void;
    exit: () => Promise<void>;
    /** Prints long text (through a pager on a terminal); print when not given. */
    page?: (text: string) => Promise<void>;
    /** .watch's changes are printed with this (above the prompt); print when not given. */
    printAbove?: (text: string) => void;
    /** The .top panel; without a terminal there is none. */
    top?: (pattern: string) => Promise<void>;
  },
): DotContext {
  const { core } = s;
  let watches: WatchView | undefined;
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
      const rows = gates.map((g) => [g.key, g.status, g.build ?? '?', g.python ?? '?', String(g.pid ?? '?'), uptime(now - g.openedAt), String(g.calls), String(g.running)]);
      const head = ['host', 'state', 'build', 'python', 'pid', 'uptime', 'calls', 'running'];
      const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
      return [head, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n');
    },
    async gateLifecycle(action, pattern) {
      const report = action === 'restart' ? await core.restartGates(pattern) : action === 'upgrade' ? await core.upgradeGates(pattern) : await core.drainGates(pattern);
      if (report.done === 0 && report.failed.length === 0) return `no gate open${pattern === undefined ? '' : ` on ${pattern}`}: nothing to ${action}`;
      return gateReportText(report);
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
    setGuard(n) {
      core.safety.guard = n;
      s.print(n === undefined ? 'guard off: changing calls on any number of hosts run without a question' : `guard ${String(n)}: a changing call on more than ${String(n)} hosts asks first`);
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
        `guard    ${core.safety.guard === undefined ? 'off' : `over ${String(core.safety.guard)} hosts`}`,
        `policy   ${core.safety.policyPath === undefined ? '(none)' : `${core.safety.policyPath} (${String(core.safety.rules.length)} rules)`}`,
        `audit    ${core.safety.audit === undefined ? 'off' : core.safety.audit.dir}`,
        `observe  ${d.observe === false ? 'off' : 'on'}`,
        `record   ${core.recorder === undefined ? 'off' : core.recorder.file}`,
        `json     ${s.json.on ? 'on' : 'off'}`,
        '',
        `ftl's settings files: ${core.configFiles.length === 0 ? '(none: ~/.ftl/config.yml, ./.ftl.yml)' : core.configFiles.join(', ')}`,
        `Ansible's configuration: ${core.settings.configFile ?? '(no ansible.cfg)'}`,
        ...settingRows(core.settings.shown),
      ].join('\n');
    },
    async show(host) {
      const last = core.last;
      if (last === undefined) throw new UsageError('FTL_USAGE', 'no result to show yet: .show prints the last call\'s result whole', { hint: 'run a call first, e.g. ftl.here.ping()' });
      let text: string;
      if (host === undefined) text = formatPlain(last, { columns: s.out.columns ?? 100, colors: s.colors });
      else {
        const whole = formatHostWhole(last, host, s.colors);
        if (whole === undefined) {
          throw new UsageError('FTL_USAGE', `${host} was not in the last call (${last.module} on ${last.pattern})`, { hint: `its hosts: ${foldHosts(last.hosts.map((h) => h.host))}` });
        }
        text = whole;
      }
      if (hooks.page !== undefined) await hooks.page(text);
      else s.print(text);
    },
    async apply() {
      const last = core.lastCheck;
      if (last === undefined) {
        throw new UsageError('FTL_USAGE', 'no check-mode call to apply', { hint: "run one first with .check on, or { check: true }, e.g. ftl.web.lineinfile({ ... }, { check: true, diff: true })" });
      }
      const hosts = last.result.changed;
      const what = `${last.module} on ${last.pattern}`;
      if (hosts.length === 0) {
        s.print(`nothing to apply: the last check-mode call (${what}) would change no host`);
        return;
      }
      const args = last.args === undefined ? '' : inspectArgs(last.result.args);
      s.print(`applying ${last.module}(${args}) for real on ${foldHosts(hosts)} (${hosts.length}): the hosts that reported a change in check mode`);
      core.lastCheck = undefined;
      await core.call(hosts.join(','), last.module, last.args, { ...(last.opts ?? {}), check: false });
    },
    exportPlaybook(file) {
      const audit = core.safety.audit;
      // The audit trail is the one record of what ran, masked; .export reads it rather than keep a second one.
      if (audit === undefined) throw new UsageError('FTL_USAGE', '.export reads this session from the audit trail, which is off (--no-audit)', { hint: 'start ftl without --no-audit' });
      const pb = sessionsPlaybook(audit.dir, [audit.sessionId], { who: 'this session' });
      writePlaybook(file, pb);
      s.print(exportSummary(file, pb));
    },
    async watch(arg) {
      watches ??= new WatchView(core, hooks.printAbove ?? ((t) => { s.print(t); }), s.colors);
      s.print(await watches.command(arg));
    },
    async top(pattern) {
      if (hooks.top === undefined) throw new UsageError('FTL_USAGE', '.top needs a terminal: it draws a live panel and reads keys', { hint: 'in a script, use ftl.all.metrics() and ftl.listen(ms)' });
      watches?.hold(true);
      try {
        await hooks.top(pattern ?? core.defaultTarget);
      } finally {
        watches?.hold(false);
      }
    },
    setRecord(file) {
      core.recorder = file === undefined ? undefined : new Recorder(file);
      s.print(file === undefined ? 'record off' : `recording every call in ${file} (replay it with .replay ${file}, or ftl replay ${file} -i INVENTORY)`);
    },
    async replay(file) {
      const r = await core.replay(file, (line) => {
        s.print(line);
      });
      s.print(`replay of ${file}: ${String(r.calls)} call${r.calls === 1 ? '' : 's'}, ${String(r.ran.length)} run, ${String(r.skipped.length)} skipped${r.stoppedAt === undefined ? '' : `, stopped at call ${String(r.stoppedAt)}`}`);
    },
    exit: hooks.exit,
  };
  return ctx;
}
