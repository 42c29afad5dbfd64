/**
 * The `ftl` object as scripts and the REPL see it, typed so that the README's call style
 * typechecks without casts: `ftl.web.command({ cmd: 'uptime' })`, `ftl['web:&prod'].ping()`,
 * `ftl.web.community.general.ini_file({...})`. Any property that is not a member is a
 * target (a host, a group or a pattern), and any property of a target is a module or a
 * collection namespace; the proxies check names at run time and name the closest ones.
 */
import type { RunResult } from './result.js';
import type { CallOptions } from './runner.js';
import type { ReplayReport } from './record.js';
import type { Secret } from '../base/secret-value.js';
import type { GateInfo, GateReport } from '../hosts/gate-report.js';
export type { GateInfo, GateReport } from '../hosts/gate-report.js';
import type { EventsOptions, FtlEvent, MetricsOptions, StreamHandle, WatchOptions } from './events.js';
export type { EventsOptions, FtlEvent, FileChangedEvent, SystemMetricsEvent, StreamEndedEvent, StreamResumedEvent, EventsDroppedEvent } from './events.js';
export type { MetricsOptions, StreamHandle, WatchOptions } from './events.js';
export type { Secret } from '../base/secret-value.js';

/** The options of ftl.addHost. */
export interface AddHostOptions {
  groups?: string[];
  /** Write the host to the state file, so that later sessions have it too. */
  persist?: boolean;
}

/**
 * `ftl.secrets`: the session's named secrets, each a Secret that shows as ******** and
 * gives its value to module calls; asking for one the session does not have is an error.
 */
export type Secrets = {
  /** The names of the secrets (never their values). */
  keys(): string[];
  has(name: string): boolean;
} & { readonly [name: string]: Secret };

/**
 * `ftl.gates`: the session's gates and their lifecycle. A pattern defaults to every host
 * with a gate open (remove needs one). Each step resolves with counts of what it did.
 */
export interface Gates {
  /** The gates open now (and draining): host, build, calls running, uptime. */
  list(): GateInfo[];
  /** Shuts the gates down and opens new ones of the same build. */
  restart(pattern?: string): Promise<GateReport>;
  /** Starts the build the gate's sources make now; the old gates finish their running calls, then close (drained()). */
  upgrade(pattern?: string): Promise<GateReport>;
  /** The gates take no new calls, finish the running ones, then close; a later call opens a new gate. */
  drain(pattern?: string): Promise<GateReport>;
  /** Resolves when every gate drained (or replaced by an upgrade) has closed. */
  drained(): Promise<void>;
  /** Decommissions hosts: stops every gate of the login user there and removes ~/.ftl. */
  remove(pattern: string): Promise<GateReport>;
  /** Gate files uploaded to hosts and module sources sent to gates, this session. */
  stats(): Promise<{ gateUploads: number; moduleSources: number; gatesOpened: number }>;
}

/** A module's options, as Ansible's argument_spec names them. */
export type ModuleArgs = Record<string, unknown>;

/**
 * A module call on a target, or a collection namespace on the way to one:
 * `ftl.web.ping()`, `ftl.web.community.general.ini_file({...})`.
 */
export interface ModuleCall {
  (args?: ModuleArgs | string, opts?: CallOptions): Promise<RunResult>;
  readonly [name: string]: ModuleCall;
}

/**
 * ansible.builtin's modules by name: members, not only the index signature, so that they
 * typecheck under noUncheckedIndexedAccess too (`ftl.target('web').command({...})`).
 */
export interface BuiltinModules {
  readonly apt: ModuleCall;
  readonly apt_key: ModuleCall;
  readonly apt_repository: ModuleCall;
  readonly assemble: ModuleCall;
  readonly async_status: ModuleCall;
  readonly blockinfile: ModuleCall;
  readonly command: ModuleCall;
  readonly copy: ModuleCall;
  readonly cron: ModuleCall;
  readonly debconf: ModuleCall;
  readonly dnf: ModuleCall;
  readonly dpkg_selections: ModuleCall;
  readonly expect: ModuleCall;
  readonly fetch: ModuleCall;
  readonly file: ModuleCall;
  readonly find: ModuleCall;
  readonly gather_facts: ModuleCall;
  readonly get_url: ModuleCall;
  readonly getent: ModuleCall;
  readonly git: ModuleCall;
  readonly group: ModuleCall;
  readonly hostname: ModuleCall;
  readonly iptables: ModuleCall;
  readonly known_hosts: ModuleCall;
  readonly lineinfile: ModuleCall;
  readonly package: ModuleCall;
  readonly package_facts: ModuleCall;
  readonly ping: ModuleCall;
  readonly pip: ModuleCall;
  readonly raw: ModuleCall;
  readonly reboot: ModuleCall;
  readonly replace: ModuleCall;
  readonly rpm_key: ModuleCall;
  readonly script: ModuleCall;
  readonly service: ModuleCall;
  readonly service_facts: ModuleCall;
  readonly setup: ModuleCall;
  readonly shell: ModuleCall;
  readonly slurp: ModuleCall;
  readonly stat: ModuleCall;
  readonly subversion: ModuleCall;
  readonly systemd: ModuleCall;
  readonly systemd_service: ModuleCall;
  readonly sysvinit: ModuleCall;
  readonly tempfile: ModuleCall;
  readonly template: ModuleCall;
  readonly unarchive: ModuleCall;
  readonly uri: ModuleCall;
  readonly user: ModuleCall;
  readonly wait_for: ModuleCall;
  readonly wait_for_connection: ModuleCall;
  readonly yum: ModuleCall;
  readonly yum_repository: ModuleCall;
  /** FQCN chains: ftl.web.ansible.builtin.ping(), ftl.web.community.general.ini_file({...}) */
  readonly ansible: ModuleCall;
  readonly community: ModuleCall;
}

/** The hosts a pattern matches, with a module call for every module name. */
export type Target = {
  /** The hosts the pattern matches now (throws when none does). */
  readonly hosts: string[];
  readonly pattern: string;
  /** Reports changes under a path on these hosts as FileChanged events (ftl.events(), ftl.listen()). */
  watch(path: string, opts?: WatchOptions): Promise<StreamHandle>;
  /** SystemMetrics events from these hosts every `every` seconds (default 2). */
  metrics(opts?: MetricsOptions): Promise<StreamHandle>;
} & BuiltinModules & { readonly [module: string]: ModuleCall };

/** The members of the `ftl` object; every other property is a target. */
export interface FtlMembers {
  readonly hosts: string[];
  readonly groups: string[];
  /** The last call's result. */
  readonly last: RunResult | undefined;
  /** The default target (all hosts, or localhost without an inventory; .target changes it). */
  readonly here: Target;
  /** The secrets asked for (automation({ secrets }), --secret, .secrets NAME). */
  readonly secrets: Secrets;
  /** The gates: list, restart, upgrade, drain, remove. */
  readonly gates: Gates;
  /**
   * Adds a host for this session; `{ persist: true }` (or the stateFile option) writes it to
   * the state file too, for later sessions: addHost('web05', { ansible_host: '10.0.0.5' }, ['web'], { persist: true }).
   */
  addHost(name: string, vars?: Record<string, unknown>, groups?: string[] | AddHostOptions, opts?: AddHostOptions): void;
  /** Removes a host from this session, and from the state file when it is there. */
  removeHost(name: string): void;
  /** ftl.run('web:&prod', 'dnf', { name: 'nginx' }) */
  run(pattern: string, module: string, args?: ModuleArgs | string, opts?: CallOptions): Promise<RunResult>;
  /**
   * Runs the calls recorded in FILE (automation({ record }), --record, .record) again, in
   * order: skipped on the hosts where a call already succeeded with the same module and
   * args, its new outcomes appended to FILE; stops after a call that fails again.
   * `onNote` gets a line per call (skipped, run again, stopped).
   */
  replay(file: string, opts?: { onNote?: (line: string) => void }): Promise<ReplayReport>;
  /** A target by pattern, the same as ftl['pattern']. */
  target(pattern: string): Target;
  /**
   * Events from the session's streams (ftl.web.watch, ftl.web.metrics), from now on:
   * for await (const ev of ftl.events()) { ... }. A consumer that falls behind loses the
   * oldest (an EventsDropped event says how many); the loop ends when the session closes.
   */
  events(opts?: EventsOptions): AsyncIterableIterator<FtlEvent>;
  /** The events that come in the next ms milliseconds. */
  listen(ms: number, opts?: Omit<EventsOptions, 'signal'>): Promise<FtlEvent[]>;
  close(): Promise<void>;
}

export type Ftl = FtlMembers & { readonly [target: string]: Target };
