import { resolve as resolvePath } from 'node:path';
import Fuse from 'fuse.js';
import { describeError, UsageError } from '../base/errors.js';
import { closest } from '../base/suggest.js';
import { SecretValues } from '../base/secrets.js';
import { revealSecrets } from '../base/secret-value.js';
import type { RunProgress } from '../base/types.js';
import { newSessionState, type SessionState } from '../actions/index.js';
import { workerInventory } from '../actions/vars.js';
import { InventoryError } from '../base/errors.js';
import { templateConnectionVars } from '../hosts/ansible-project.js';
import { isFailure } from '../hosts/ansible-worker.js';
import { GateProvider, type GateReport } from '../hosts/gates.js';
import { removePattern } from './gate-lifecycle.js';
import { recordModules } from './gate-modules.js';
import type { Inventory } from '../inventory/index.js';
import type { ModuleIndex } from '../modules/index.js';
import type { AutomationOptions } from './automation-options.js';
import { prepareCall } from './prepare.js';
import { applyAnsibleConfig, type ProjectSettings } from './project-config.js';
import type { ProxyCore } from './proxy.js';
import { CallPromise } from './call-promise.js';
import type { RunResult } from './result.js';
import { becomeFor, refuseUnsupported, runOnHosts, type CallOptions, type Observer, type RunnerDefaults } from './runner.js';
import { readRecord, recordedParams, recordLine, Recorder, replayArgs, replayPlan, type ReplayReport } from './record.js';
import { foldHosts } from '../base/hostset.js';
import { gatherObservations, observationOf, observes, OBSERVE_DEADLINE_S } from './observe.js';
import { looksLikePattern, targetName } from './targets.js';
import { SessionSecrets } from './session-secrets.js';
import type { StateFile } from './state-file.js';
import type { AddHostOptions } from './ftl-types.js';
import type { NatsCaller } from '../nats/caller.js';
import { runRemote } from './remote-call.js';
import { EventHub } from './events.js';
import { Streams, type MetricsOptions, type StreamHandle, type WatchOptions } from './streams.js';

/** What a session has beyond inventory, modules and gates. */
export interface CoreExtras {
  /** Named secrets (ftl.secrets) and secret bindings. */
  named?: SessionSecrets | undefined;
  /** The state file of provisioned hosts; undefined: none (stateFile: false). */
  state?: StateFile | undefined;
  /** Every addHost is written to the state file (the stateFile option was given). */
  persistAll?: boolean | undefined;
  /** Calls go to ftl workers over NATS instead of this process's gates (--nats URL). */
  remote?: { nats: NatsCaller; key: string | undefined } | undefined;
}

import { checkRolloutOptions } from './batches.js';
import { Safety } from './safety.js';

/** Rollout options run host by host in one process: not over NATS workers (yet). */
const ROLLOUT_OPTIONS = ['canary', 'maxFailPercent', 'failFast', 'serial'] as const;

const CALL_OPTION_KEYS = ['check', 'diff', 'become', 'timeout', 'forks', 'vars', 'refresh', 'maxOutput', 'observe', 'canary', 'maxFailPercent', 'failFast', 'serial', 'signal', 'onProgress', 'onHostResult'];

/** A wrong type in the call options is a usage error naming the option, not NaN seconds on every host. */
function checkCallOptions(o: Readonly<Record<string, unknown>>): void {
  const bad = (name: string, want: string, v: unknown): UsageError =>
    new UsageError('FTL_USAGE', `call option '${name}' must be ${want}, not ${typeof v === 'string' ? `'${v}'` : JSON.stringify(v)}`);
  for (const name of ['check', 'diff', 'refresh', 'observe'] as const) {
    const v = o[name];
    if (v !== undefined && typeof v !== 'boolean') throw bad(name, 'true or false', v);
  }
  if (o.become !== undefined && typeof o.become !== 'boolean' && (typeof o.become !== 'string' || o.become === '')) throw bad('become', "true, false or a user name such as 'postgres'", o.become);
  if (o.timeout !== undefined && (typeof o.timeout !== 'number' || !Number.isFinite(o.timeout) || o.timeout <= 0)) throw bad('timeout', 'a positive number of seconds', o.timeout);
  if (o.forks !== undefined && (typeof o.forks !== 'number' || !Number.isInteger(o.forks) || o.forks < 1)) throw bad('forks', 'a positive whole number', o.forks);
  if (o.maxOutput !== undefined && (typeof o.maxOutput !== 'number' || !Number.isInteger(o.maxOutput) || o.maxOutput < 1)) throw bad('maxOutput', 'a positive whole number of bytes', o.maxOutput);
  if (o.vars !== undefined && (o.vars === null || typeof o.vars !== 'object' || Array.isArray(o.vars))) throw bad('vars', "an object such as { port: 8080 }", o.vars);
  checkRolloutOptions(o);
}

/** The automation core behind the `ftl` object: inventory, modules, gates and defaults. */
export class FtlCore implements ProxyCore {
  readonly defaults: RunnerDefaults;
  last: RunResult | undefined;
  limit: string | undefined;
  /** The target of `ftl.here` (the REPL's .target). */
  defaultTarget: string;
  /**
   * Progress of every call that has no onProgress of its own (the REPL's live display);
   * `call` tells calls running at once apart, and `p` is undefined once the call has ended.
   */
  onProgress: ((p: RunProgress | undefined, call: number) => void) | undefined;
  /** Each call's result as it finishes, before the caller's await gets it (the REPL prints it there). */
  onResult: ((r: RunResult) => void) | undefined;
  /**
   * When set, new calls are refused with this text: after a Ctrl-C, the rest of the line
   * (the next turns of a loop) must not start calls on the fleet again.
   */
  refuseCalls: string | undefined;
  /** The last call made in check mode, as it was given: the REPL's `.apply` makes it for real. */
  lastCheck: { pattern: string; module: string; args: unknown; opts: CallOptions | undefined; result: RunResult } | undefined;
  /** Told when hosts are added or removed (the REPL's prompt shows the target's host count). */
  onInventoryChange: (() => void) | undefined;
  /** Where calls are recorded for replay (automation({ record }), --record, .record); undefined: nowhere. */
  recorder: Recorder | undefined;
  /** While a replay runs a call: the record it goes to, and the seq of the call it runs again. */
  private replaying: { recorder: Recorder; seq: number } | undefined;
  /** What actions keep for the session: gathered facts, and where template variables come from. */
  readonly actions: SessionState;
  /** Policy, confirmation (the blast-radius guard) and the audit trail. */
  readonly safety: Safety;
  private interruption = new AbortController();
  private inFlight = 0;
  private callCount = 0;
  private lastCallEnded = Date.now();
  private targetFuse: Fuse<string> | undefined;
  /** Bumped when hosts or variables change: the Ansible worker is sent the inventory again. */
  private inventoryVersion = 1;
  readonly named: SessionSecrets;
  readonly state: StateFile | undefined;
  private readonly persistAll: boolean;
  /** Set with --nats: where calls go instead of local gates. */
  readonly remote: CoreExtras['remote'];
  /** The inventory version whose `{{ }}` connection variables are templated, and hosts whose templating failed. */
  private connectionVars: { version: number; done: Promise<Map<string, string>> } | undefined;
  /** Where each setting came from (command line, ANSIBLE_*, ansible.cfg, default): `.settings`. */
  readonly settings: ProjectSettings;
  /** ftl's settings files this session read (~/.ftl/config.yml, ./.ftl.yml). */
  readonly configFiles: readonly string[];
  /** Events from gates (file changes, metrics) for every consumer: ftl.events(), ftl.listen(), .watch, .top. */
  readonly events = new EventHub();
  /** The watches and metrics streams running on hosts. */
  readonly streams: Streams;

  constructor(
    readonly inventory: Inventory,
    readonly modules: ModuleIndex,
    readonly gates: GateProvider,
    opts: AutomationOptions,
    /** What this session knows to be secret: masked in every result and args it shows. */
    readonly secrets: SecretValues = new SecretValues(),
    settings?: ProjectSettings,
    extras: CoreExtras = {},
  ) {
    this.settings = settings ?? applyAnsibleConfig(opts, undefined);
    this.configFiles = opts.configFiles ?? [];
    this.named = extras.named ?? new SessionSecrets(secrets);
    this.state = extras.state;
    this.persistAll = extras.persistAll ?? false;
    this.remote = extras.remote;
    this.defaults = {
      forks: opts.forks ?? 50,
      timeoutS: opts.timeout ?? 300,
      check: opts.check ?? false,
      diff: opts.diff ?? false,
      become: opts.become,
      maxOutput: opts.maxOutput,
      observe: opts.observe ?? true,
    };
    this.limit = opts.limit;
    const given = opts.inventory === undefined ? [] : Array.isArray(opts.inventory) ? opts.inventory : [opts.inventory];
    // As Ansible lists them in ansible_inventory_sources: paths made absolute, host lists as given.
    const sources = given.map((s) => (s.includes(',') && !s.includes('/') ? s : resolvePath(s)));
    this.actions = newSessionState({
      version: () => this.inventoryVersion,
      // A host whose encrypted vars file no password opened goes to the worker without variables: calls on it fail first (facts).
      varsOf: (h) => inventory.readableVars(h) ?? {},
      groups: () => Object.fromEntries(inventory.groupNames.map((g) => [g, inventory.hostsOfGroup(g)])),
      allVars: () => inventory.group('all')?.vars ?? {},
      sources: () => sources,
      extraVars: () => inventory.extra,
      sealed: () => inventory.hasSealedValues,
    });
    this.defaultTarget = inventory.hostNames.length > 0 ? 'all' : 'localhost';
    this.safety = new Safety(opts, (h) => inventory.varsOf(h).ftl_environment);
    const defaults = this.defaults;
    this.streams = new Streams(
      {
        hostsOf: (p) => this.hostsOf(p),
        facts: (h) => this.inventory.facts(h),
        become: (facts) => becomeFor(facts, undefined, defaults.become),
        gates,
        // Read at each start: .forks and .timeout change them.
        get forks() {
          return defaults.forks;
        },
        get timeoutMs() {
          return defaults.timeoutS * 1000;
        },
      },
      this.events,
    );
    this.recorder = opts.record === undefined ? undefined : new Recorder(opts.record);
  }

  /** Reports changes under path on the hosts of pattern, as FileChanged events. */
  watch(pattern: string, path: unknown, opts?: WatchOptions): Promise<StreamHandle> {
    return this.streams.watch(pattern, path, opts);
  }

  /** SystemMetrics events from the hosts of pattern, every `every` seconds. */
  metrics(pattern: string, opts?: MetricsOptions): Promise<StreamHandle> {
    return this.streams.metrics(pattern, opts);
  }

  /**
   * Runs the calls of a record file again, in order: a call is skipped on the hosts where
   * it already succeeded (with the same module and args), run on the others, and its new
   * outcome appended to the file. Stops after the first call that fails again, so that
   * the next replay resumes there.
   */
  async replay(file: string, onNote: (line: string) => void = () => undefined): Promise<ReplayReport> {
    const steps = replayPlan(readRecord(file));
    // The file is read whole first: a corrupt line stops the replay before any host is touched.
    const recorder = new Recorder(file);
    const report: ReplayReport = { file, calls: steps.length, ran: [], skipped: [], stoppedAt: undefined };
    for (const step of steps) {
      const c = step.call;
      const what = `call ${String(step.seq)}: ${c.module} on ${c.pattern}`;
      const hosts = this.hostsOf(c.pattern);
      const todo = hosts.filter((h) => !step.succeeded.has(h));
      const done = hosts.filter((h) => step.succeeded.has(h));
      if (todo.length === 0) {
        onNote(`↩ ${what} skipped: already succeeded on ${foldHosts(done)} (${String(done.length)})`);
        report.skipped.push(step.seq);
        continue;
      }
      if (done.length > 0) onNote(`↩ ${what}: already succeeded on ${foldHosts(done)} (${String(done.length)}), run again on ${foldHosts(todo)} (${String(todo.length)})`);
      else onNote(`▶ ${what}`);
      const args = replayArgs(file, step, (name) => this.named.get(name));
      const become = c.become === null ? undefined : c.become;
      this.replaying = { recorder, seq: step.seq };
      let r: RunResult;
      try {
        r = await this.call(done.length === 0 ? c.pattern : todo.join(','), c.module, args, { check: c.check_mode, diff: c.diff, ...(become === undefined ? {} : { become }) });
      } finally {
        this.replaying = undefined;
      }
      report.ran.push(step.seq);
      if (!r.success) {
        report.stoppedAt = step.seq;
        onNote(`⏹ replay stopped at ${what}: it failed on ${foldHosts([...r.failed, ...r.unreachable, ...r.cancelled])}; fix that and replay ${file} again to resume here`);
        break;
      }
    }
    return report;
  }

  /** Cancels every call in flight (Ctrl-C); later calls are not affected. */
  interrupt(): void {
    this.interruption.abort();
    this.interruption = new AbortController();
  }

  target(prop: string): string | undefined {
    if (looksLikePattern(prop)) return prop;
    return targetName(prop, (n) => this.inventory.host(n) !== undefined || this.inventory.group(n) !== undefined || n === 'localhost');
  }

  suggestTargets(prop: string): string[] {
    this.targetFuse ??= new Fuse([...this.inventory.groupNames, ...this.inventory.hostNames, 'local'], { threshold: 0.4 });
    return closest(prop, [...this.inventory.groupNames, ...this.inventory.hostNames, 'local'], 3, this.targetFuse);
  }

  /**
   * Adds a host to this session's inventory; with persist (or a stateFile option), to the
   * state file too, without its passwords and secrets (a warning names what was left out).
   */
  addHost(name: string, vars: Record<string, unknown> = {}, groupsOrOpts: string[] | AddHostOptions = [], more: AddHostOptions = {}): void {
    if (typeof name !== 'string' || name.trim() === '') throw new UsageError('FTL_USAGE', 'addHost needs a host name', { hint: "e.g. ftl.addHost('web05', { ansible_host: '10.0.0.5' }, ['web'])" });
    const opts: AddHostOptions = Array.isArray(groupsOrOpts) ? { ...more, groups: groupsOrOpts } : { ...groupsOrOpts, ...more };
    const groups = opts.groups ?? [];
    // Secrets given as variables are values to the inventory (ansible_password: ftl.secrets.PW).
    const plain = revealSecrets(vars);
    for (const [k, v] of Object.entries(vars)) if (plain[k] !== v) this.secrets.add(plain[k]);
    const persist = opts.persist ?? this.persistAll;
    if (persist && this.state === undefined) {
      throw new UsageError('FTL_USAGE', `cannot persist ${name}: this session has no state file (stateFile: false)`, { hint: 'give automation() a stateFile, or add the host without persist' });
    }
    this.inventory.addHost(name, plain, groups);
    this.inventoryChanged();
    if (persist && this.state !== undefined) {
      const dropped = this.state.addHost(name, vars, groups, this.secrets.all());
      if (dropped.length > 0) {
        this.gates.warnings.warn({ host: name, message: `${dropped.join(', ')} not written to ${this.state.path} (passwords and secrets are never persisted)` });
      }
    }
  }

  /** Removes a host from this session, and from the state file when it is there. */
  removeHost(name: string): void {
    this.inventory.removeHost(name);
    this.inventoryChanged();
    this.state?.remove(name, 'host');
  }

  /** Forget cached name lists after the inventory changes. */
  inventoryChanged(): void {
    this.targetFuse = undefined;
    this.inventoryVersion++;
    this.onInventoryChange?.();
  }

  isModule(name: string): boolean {
    return this.modules.resolve(name) !== undefined;
  }

  isNamespace(prefix: string): boolean {
    return this.modules.collections().some((c) => c === prefix || c.startsWith(`${prefix}.`));
  }

  suggestModules(name: string): string[] {
    return this.modules.suggest(name, 3);
  }

  moduleNotFound(name: string, what: string): Error {
    return this.modules.notFound(name, what);
  }

  hostsOf(pattern: string): string[] {
    const hosts = this.inventory.resolve(pattern);
    if (this.limit === undefined) return hosts;
    const allowed = new Set(this.inventory.resolve(this.limit));
    const limited = hosts.filter((h) => allowed.has(h));
    if (limited.length === 0) {
      throw new UsageError('FTL_PATTERN_NO_MATCH', `no host of '${pattern}' is within the limit '${this.limit}'`, { hint: 'change or clear the limit' });
    }
    return limited;
  }

  /** Calls running now (a line of a script can await other things than calls). */
  get callsInFlight(): number {
    return this.inFlight;
  }

  /** Since when no call has been running (Date.now() ms); undefined while one runs. */
  get idleSince(): number | undefined {
    return this.inFlight > 0 ? undefined : this.lastCallEnded;
  }

  call(pattern: string, module: string, args: unknown, opts: CallOptions | undefined): Promise<RunResult> {
    // An error that echoes a secret (a module option in a usage error) shows it masked.
    return CallPromise.of(
      this.callSettled(pattern, module, args, opts).catch((e: unknown) => {
        throw this.masked(e);
      }),
    );
  }

  private callSettled(pattern: string, module: string, args: unknown, opts: CallOptions | undefined): Promise<RunResult> {
    if (this.refuseCalls !== undefined) return Promise.reject(new UsageError('FTL_CANCELLED', this.refuseCalls));
    this.inFlight++;
    const id = ++this.callCount;
    const check = typeof opts === 'object' && typeof opts.check === 'boolean' ? opts.check : this.defaults.check;
    return this.callNow(pattern, module, args, opts, id, false)
      .then((r) => {
        if (check) this.lastCheck = { pattern, module, args, opts, result: r };
        // Shown before the caller's code goes on with it: results print in the order calls finish.
        try {
          this.onResult?.(r);
        } catch {
          // Showing a result must never change what the call returns.
        }
        return r;
      })
      .finally(() => {
        this.inFlight--;
        this.lastCallEnded = Date.now();
        this.onProgress?.(undefined, id);
      });
  }

  private async callNow(pattern: string, module: string, args: unknown, opts: CallOptions | undefined, id: number, isPreview: boolean): Promise<RunResult> {
    const o = opts ?? {};
    if (typeof o !== 'object' || Array.isArray(o)) {
      throw new UsageError('FTL_USAGE', 'call options must be an object such as { check: true, timeout: 30 }');
    }
    for (const key of Object.keys(o)) {
      if (!CALL_OPTION_KEYS.includes(key)) {
        throw new UsageError('FTL_USAGE', `unknown call option '${key}' for ${module}; call options are ${CALL_OPTION_KEYS.slice(0, 7).join(', ')}`, {
          hint: 'module args go in the first object, call options in the second',
        });
      }
    }
    // From the REPL or plain JavaScript: the types are not checked until here.
    checkCallOptions(o as Readonly<Record<string, unknown>>);
    // Taken before any await: a Ctrl-C while the call is being prepared cancels it too.
    const signal = o.signal === undefined ? this.interruption.signal : AbortSignal.any([o.signal, this.interruption.signal]);
    const hosts = this.hostsOf(pattern);
    await this.templateConnectionVars(hosts, signal);
    // A host ftl cannot reach the way its inventory says is refused before anything runs, never run another way.
    refuseUnsupported(hosts, (h) => this.inventory.facts(h), o.become, this.defaults.become);
    this.gates.warmFor(hosts);
    if (o.vars !== undefined && (typeof o.vars !== 'object' || Array.isArray(o.vars))) {
      throw new UsageError('FTL_USAGE', "the call option vars must be an object such as { port: 8080 }");
    }
    // Secret objects become their values, and bindings add theirs, only here: on the way to the hosts.
    const info = this.modules.resolve(module);
    const callArgs = this.named.inject({ called: module, fqcn: info?.fqcn, shortName: info?.shortName }, revealSecrets(args));
    const call = await prepareCall(this.modules, this.gates, module, callArgs, {
      check: o.check ?? this.defaults.check,
      diff: o.diff ?? this.defaults.diff,
      session: this.actions,
      callVars: o.vars,
      refresh: o.refresh,
      known: this.secrets,
      hosts,
      gateKeyOf: (h) => GateProvider.keyOf(h, becomeFor(this.inventory.facts(h), o.become, this.defaults.become)),
      forks: o.forks ?? this.defaults.forks,
      limit: this.limit,
    });
    const shared = this.onProgress;
    const onProgress = o.onProgress ?? (shared === undefined ? undefined : (p: RunProgress) => {
      shared(p, id);
    });
    const check = o.check ?? this.defaults.check;
    const observer = (o.observe ?? this.defaults.observe ?? true) && observes(call.module, check) ? this.observer(call.module, callArgs, check) : undefined;
    const remote = this.remote;
    if (remote !== undefined) {
      const rollout = ROLLOUT_OPTIONS.filter((k) => o[k] !== undefined);
      if (rollout.length > 0) throw new UsageError('FTL_USAGE', `${rollout.join(', ')} ${rollout.length === 1 ? 'is' : 'are'} not supported over NATS workers yet`, { hint: 'run that call without --nats, or without the rollout option' });
    }
    const run = (opts: CallOptions): Promise<RunResult> =>
      remote === undefined
        ? runOnHosts(pattern, hosts, call, (h) => this.inventory.facts(h), this.defaults, { ...opts, signal, ...(onProgress === undefined ? {} : { onProgress }) }, Date.now, this.secrets, observer)
        : runRemote(
            remote.nats,
            {
              pattern,
              hosts,
              module,
              fqcn: call.module,
              args: callArgs,
              shownArgs: call.shownArgs,
              noLog: call.secrets ?? [],
              key: remote.key,
              opts: {
                check: opts.check ?? this.defaults.check,
                diff: opts.diff ?? this.defaults.diff,
                become: opts.become ?? this.defaults.become,
                timeout: opts.timeout ?? this.defaults.timeoutS,
                forks: opts.forks ?? this.defaults.forks,
                maxOutput: opts.maxOutput ?? this.defaults.maxOutput,
                vars: opts.vars,
                refresh: opts.refresh,
              },
            },
            { signal, onProgress },
            this.secrets,
          );
    const result = await this.safety.guarded(
      {
        pattern,
        hosts,
        module: call.module,
        shortName: this.modules.resolve(module)?.shortName ?? call.module,
        rawArgs: args,
        shownArgs: () => this.secrets.mask(call.shownArgs, call.secrets ?? []),
        check,
        diff: o.diff ?? this.defaults.diff,
        become: o.become ?? this.defaults.become,
        options: o,
        isPreview,
      },
      run,
      // The preview: the same call in check mode, on the same hosts, recorded as its own call.
      () => this.callNow(pattern, module, args, { ...o, check: true }, id, true),
    );
    this.last = result;
    if (!isPreview) this.record(pattern, call.module, args, call.secrets ?? [], { check, diff: o.diff ?? this.defaults.diff, become: o.become ?? this.defaults.become }, result);
    return result;
  }

  /** Appends the call to the record (of the session, or of the replay running it); a record that cannot be written is said, not thrown: the hosts have changed already. */
  private record(pattern: string, module: string, args: unknown, extra: readonly string[], mode: { check: boolean; diff: boolean; become: string | boolean | undefined }, result: RunResult): void {
    const target = this.replaying ?? (this.recorder === undefined ? undefined : { recorder: this.recorder, seq: undefined });
    if (target === undefined) return;
    try {
      const seq = target.seq ?? target.recorder.take();
      const params = recordedParams(args, this.secrets, extra);
      target.recorder.append(recordLine(seq, target.recorder.sessionId, { pattern, module, params, ...mode, replayed: target.seq !== undefined }, result));
    } catch (e) {
      this.gates.warnings.warn({ message: `the call ran, but it was not recorded in ${target.recorder.file}: ${describeError(e)}` });
    }
  }

  /**
   * Failure observations of one call: each read-only command is a command call (argv, no
   * shell unless the plan asks for one) on the same gate, as the same user, with a few
   * seconds of its own and never past the host's time for the call.
   */
  private observer(module: string, args: unknown, check: boolean): Observer {
    return (host, facts, become, deadline, signal) =>
      gatherObservations(module, args, check, async (c) => {
        const ms = Math.min(OBSERVE_DEADLINE_S * 1000, deadline - Date.now());
        if (ms < 300 || signal.aborted) return { command: c.shown, rc: -1, output: "not run: the call's time was up" };
        try {
          const call = await prepareCall(this.modules, this.gates, 'ansible.builtin.command', { argv: [...c.argv] }, { check: false, diff: false });
          const out = await call.run(host, facts, become, { timeoutMs: ms, signal, maxOutput: 64 * 1024 });
          return observationOf(c, out.result);
        } catch (e) {
          return { command: c.shown, rc: -1, output: describeError(e) };
        }
      });
  }

  /** An error with every secret the session knows masked in its message (a module option echoed in a usage error). */
  masked(e: unknown): unknown {
    if (e instanceof Error && this.secrets.size > 0) {
      const message = this.secrets.mask(e.message);
      if (message !== e.message) e.message = message;
    }
    return e;
  }

  /**
   * `{{ }}` in connection variables (ansible_host: "{{ real_ip }}"), templated by Ansible
   * before any host is reached: once per inventory version, one request for every host
   * that has any. A host whose templating fails is refused with Ansible's words.
   */
  private async templateConnectionVars(hosts: readonly string[], signal: AbortSignal): Promise<void> {
    const version = this.inventoryVersion;
    if (this.connectionVars?.version !== version) {
      const names = this.inventory.templatedConnectionVars();
      const done =
        Object.keys(names).length === 0
          ? Promise.resolve(new Map<string, string>())
          : templateConnectionVars(
              this.gates.ansible,
              {
                inventory: workerInventory(this.actions.vars),
                hosts: Object.keys(names),
                factsOf: (h) => ({ key: h, facts: undefined }),
                extraVars: this.inventory.extra,
                check: this.defaults.check,
                diff: this.defaults.diff,
                signal,
              },
              names,
            ).then((results) => {
              const failed = new Map<string, string>();
              for (const [h, r] of results) {
                if (isFailure(r)) failed.set(h, connectionVarFailure(r));
                else this.inventory.setConnectionValues(h, r);
              }
              return failed;
            });
      const entry = { version, done };
      this.connectionVars = entry;
      done.catch(() => {
        if (this.connectionVars === entry) this.connectionVars = undefined;
      });
    }
    const failed = await this.connectionVars.done;
    for (const h of hosts) {
      const msg = failed.get(h);
      if (msg !== undefined) throw new InventoryError('FTL_INVENTORY_SYNTAX', msg, { host: h, hint: 'fix the variable in the inventory' });
    }
  }

  /** The hosts a lifecycle command acts on: the pattern's, or every host with a gate open. */
  private gateHosts(pattern: string | undefined): Set<string> {
    if (pattern === undefined || pattern.trim() === '') return new Set(this.gates.list().map((g) => g.host));
    return new Set(this.hostsOf(pattern.trim()));
  }

  /** `.gates restart|upgrade|drain [pattern]`, ftl.gates.*: see GateProvider. */
  restartGates(pattern?: string): Promise<GateReport> {
    return this.gates.restart(this.gateHosts(pattern));
  }

  upgradeGates(pattern?: string): Promise<GateReport> {
    return this.gates.upgrade(this.gateHosts(pattern));
  }

  drainGates(pattern?: string): Promise<GateReport> {
    return this.gates.drain(this.gateHosts(pattern));
  }

  /** Decommissions the pattern's hosts: gates stopped, ~/.ftl removed (ftl gate remove). */
  removeGates(pattern: string): Promise<GateReport> {
    return this.gates.remove(this.hostsOf(removePattern(pattern)));
  }

  async close(): Promise<void> {
    // What this session ran is what gateModules 'auto' bakes next time in this project.
    recordModules(this.gates.usedModules);
    // Streams end with their gates: a gate whose stdin ends stops them before it exits.
    this.streams.close();
    await this.remote?.nats.close();
    await this.gates.closeAll();
  }
}

/**
 * "ansible_host cannot be templated: 'x' is undefined". Jinja's undefined error says its
 * sentence twice ("'x' is undefined. 'x' is undefined"): once is enough on a screen.
 */
export function connectionVarFailure(r: { msg: string; variable?: unknown }): string {
  const half = (r.msg.length - 2) / 2;
  const said = r.msg.slice(0, half);
  const msg = Number.isInteger(half) && half > 0 && r.msg === `${said}. ${said}` ? said : r.msg;
  const what = typeof r.variable === 'string' ? r.variable : 'a connection variable';
  return `${what} cannot be templated: ${msg}`;
}
