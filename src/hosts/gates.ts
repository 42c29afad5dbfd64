import { chmodSync, mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { withDeadline } from '../base/deadline.js';
import { BecomeError, FtlError, GateError } from '../base/errors.js';
import type { AskPassword } from '../base/passwords.js';
import type { GateProviderOptions } from './options.js';
import { Warnings } from '../base/warnings.js';
import { spawnLocalGate } from '../gate/local.js';
import { GatePool, type GateSpecBase } from '../gate/pool.js';
import type { GateClient } from '../gate/client.js';
import { fileHasHash, type GateBuild } from '../gate/pyz.js';
import type { GateTransport, StartLimits } from '../gate/transport.js';
import type { HostFacts } from '../base/types.js';
import type { Inventory } from '../inventory/index.js';
import type { SshGateFactory } from '../ssh/index.js';
import type { RawOptions, RawResult } from '../ssh/raw.js';
import { AnsibleWorker } from './ansible-worker.js';
import { discoveryStep } from './ansible-project.js';
import { DISCOVERY_MODES, discoverInterpreter } from './discovery.js';
import { gateBuild, intactGate, type BakedFiles } from './gate-build.js';
import { removeScript, parseRemoved } from './gate-remove.js';
import type { GateInfo, GateReport } from './gate-report.js';
import { runLocalRaw } from './raw-exec.js';
import { controllerPython } from '../modules/ansible-env.js';
import { refusalFor } from '../inventory/facts.js';
import type { BecomeSpec } from '../base/types.js';

export type { GateProviderOptions } from './options.js';

let sharedDir: string | undefined;

/**
 * For a one-shot command that will open gates (ftl run): the gate is built and the ssh code
 * loaded while the project, inventory and module index load, instead of after them.
 */
export function prefetchGates(): void {
  gateBuild().catch(() => undefined);
  import('../ssh/index.js').catch(() => undefined);
}

/**
 * The become user cannot read ~/.ftl (0700): give it a copy in a directory only we can
 * write to (0711: others may open a file they know the name of, never list or replace it).
 * The gate is public code; nothing secret is in it. A copy whose bytes are not the
 * build's (checked at every start) is written anew, atomically.
 */
function readableCopy(build: GateBuild, bytes: Uint8Array): string {
  sharedDir ??= mkdtempSync(join(tmpdir(), 'ftl-gate-'));
  chmodSync(sharedDir, 0o711);
  const target = join(sharedDir, basename(build.path));
  if (!fileHasHash(target, build.sha256)) {
    const tmp = `${target}.${String(process.pid)}.tmp`;
    writeFileSync(tmp, bytes, { mode: 0o644 });
    chmodSync(tmp, 0o644);
    renameSync(tmp, target);
  }
  return target;
}

export type { GateInfo, GateReport } from './gate-report.js';

/** How long a new gate may take to open in a restart or an upgrade. */
const REOPEN_MS = 60_000;

/** What one gate in the pool is for: a host, its facts, and who it runs as. */
interface GateSpec extends GateSpecBase {
  readonly facts: HostFacts;
  readonly become: BecomeSpec | undefined;
}

/**
 * Past the call's timeout, opening a gate is given this much longer before the caller
 * gives up on it: the steps inside (connect, login) end at the call's deadline with
 * their own, more precise, words.
 */
const OPEN_GRACE_MS = 1000;

/**
 * One gate per (host, become user), opened on first use and reused; a gate that died
 * is replaced on the next call. Local hosts get a child process, others an SSH channel.
 */
export class GateProvider {
  private readonly pool: GatePool<GateSpec>;
  private readonly shipped = new WeakMap<GateClient, Set<string>>();
  private ssh: Promise<SshGateFactory> | undefined;
  private worker: AnsibleWorker | undefined;
  /** Interpreters found by discovery, by host and mode: once per host per session. */
  private readonly interpreters = new Map<string, Promise<string | undefined>>();
  /** -K's answer, or the last one sudo accepted: memory only. */
  private becomePassword: string | undefined;
  /** Said once each: a redeployed gate, an ssh option that cannot be honoured. */
  readonly warnings: Warnings;
  /** Module sources baked into this session's gate (gateModules). */
  private readonly baked: BakedFiles;
  /** Ansible modules (FQCNs) this session ran on gates: what gateModules 'auto' bakes next time. */
  readonly usedModules = new Set<string>();
  /** Module sources sent to gates (each file, each time): what a baked gate saves. */
  private sourcesSent = 0;

  constructor(
    private readonly inventory: Inventory,
    private readonly opts: GateProviderOptions = {},
    /** The Ansible worker, when the session made it first (config, inventory, vault). */
    worker?: AnsibleWorker,
  ) {
    this.worker = worker;
    this.pool = new GatePool<GateSpec>((spec, limits) => this.openTransport(spec, limits));
    this.becomePassword = opts.becomePassword;
    this.warnings = opts.warnings ?? new Warnings();
    this.baked = opts.baked?.files ?? {};
    this.worker = worker;
  }

  /** One gate per host and become user: facts and files differ per user. */
  static keyOf(host: string, become: BecomeSpec | undefined): string {
    if (become === undefined) return host;
    return become.method === 'su' ? `${host}|su:${become.user}` : `${host}|${become.user}`;
  }

  private static spec(host: string, facts: HostFacts, become: BecomeSpec | undefined): GateSpec {
    return { key: GateProvider.keyOf(host, become), host, facts, become };
  }

  /**
   * The gate, or FTL_CANCELLED as soon as the signal fires, or FTL_GATE_TIMEOUT once the
   * call's time is up. Opening may wait on a slow host or on a person typing a password;
   * Ctrl-C must not. A connection opened for this call gives up at its deadline; the rest
   * of the opening goes on by itself (the gate joins the pool, or fails quietly). Each step
   * of starting the gate (and the wait for its Hello) is bounded by the call's timeout too.
   */
  openUntil(host: string, facts: HostFacts, become: BecomeSpec | undefined, signal: AbortSignal, timeoutMs?: number): Promise<GateClient> {
    if (signal.aborted) return Promise.reject(new GateError('FTL_CANCELLED', 'cancelled before the gate was open', { host }));
    const opening = this.open(host, facts, become, timeoutMs);
    opening.catch(() => undefined);
    return withDeadline(opening, {
      ms: timeoutMs === undefined ? undefined : timeoutMs + OPEN_GRACE_MS,
      signal,
      onTimeout: () => new GateError('FTL_GATE_TIMEOUT', `the gate did not open within ${String((timeoutMs ?? 0) / 1000)} s`, { host }),
      onAbort: () => new GateError('FTL_CANCELLED', 'cancelled while the gate was opening', { host }),
    });
  }

  async open(host: string, facts: HostFacts, become: BecomeSpec | undefined, timeoutMs?: number): Promise<GateClient> {
    const password = become?.password ?? this.becomePassword;
    try {
      return await this.pool.get(GateProvider.spec(host, facts, become === undefined ? undefined : { ...become, password }), { timeoutMs });
    } catch (e) {
      const ask = this.opts.askPassword;
      if (become === undefined || ask === undefined || become.password !== undefined || !(e instanceof BecomeError) || e.reason === 'refused') throw e;
      return this.askForBecome(host, facts, become, e, ask, timeoutMs);
    }
  }

  /** sudo or su wants a password the inventory does not give: ask (again, up to 3 times, when it is refused). */
  private async askForBecome(host: string, facts: HostFacts, become: BecomeSpec, first: BecomeError, ask: AskPassword, timeoutMs: number | undefined): Promise<GateClient> {
    let err = first;
    let refused = err.reason === 'password-refused' ? this.becomePassword : undefined;
    for (let attempt = 0; attempt < 3; attempt++) {
      const password = await ask({ kind: 'become', host, user: become.user, method: become.method, refused });
      try {
        const s = await this.pool.get(GateProvider.spec(host, facts, { ...become, password }), { timeoutMs });
        // Kept in memory for this session's later gates, as -K would be.
        this.becomePassword = password;
        return s;
      } catch (e) {
        if (!(e instanceof BecomeError) || e.reason !== 'password-refused') throw e;
        err = e;
        refused = password;
      }
    }
    throw err;
  }

  /**
   * Module sources a gate process has already, so calls send only the hash: those it was
   * sent, and from the start those baked into it (it said which in Hello).
   */
  shippedTo(gate: GateClient): Set<string> {
    let set = this.shipped.get(gate);
    if (set === undefined) {
      const baked = gate.hello.baked;
      set = new Set(Array.isArray(baked) ? baked.filter((h): h is string => typeof h === 'string') : []);
      this.shipped.set(gate, set);
    }
    return set;
  }

  /** A module request went out: its module is remembered for 'auto', and the sources it carried counted. */
  noteModuleRequest(fqcn: string, data: Readonly<Record<string, unknown>>): void {
    this.usedModules.add(fqcn);
    if (typeof data.module === 'string') this.sourcesSent++;
    if (Array.isArray(data.module_utils)) this.sourcesSent += data.module_utils.filter((u) => typeof (u as { source?: unknown }).source === 'string').length;
  }

  /** Counters a user (or a test) can read: gate files uploaded to hosts, module sources sent to gates. */
  async stats(): Promise<{ gateUploads: number; moduleSources: number; gatesOpened: number }> {
    const ssh = this.ssh === undefined ? undefined : (await this.ssh.catch(() => undefined))?.stats();
    return { gateUploads: ssh?.uploads ?? 0, moduleSources: this.sourcesSent, gatesOpened: ssh?.gatesOpened ?? 0 };
  }

  private async openTransport(spec: GateSpec, limits: StartLimits): Promise<GateTransport> {
    const { become } = spec;
    // Calls check this first; a gate is never opened some other way than the inventory says.
    const refused = refusalFor(spec.facts, become !== undefined);
    if (refused !== undefined) throw refused;
    const facts = await this.withInterpreter(spec.facts, limits);
    if (facts.connection === 'local') {
      // Read at every start: a gate file edited or cut short since it was built is never run.
      const { build, bytes } = await this.checkedGate();
      const path = become === undefined ? build.path : readableCopy(build, bytes);
      // As Ansible's implicit localhost runs the controller's own Python: never a
      // version-manager shim on PATH (pyenv's costs ~120 ms per start).
      return spawnLocalGate(path, { python: facts.python ?? controllerPython(process.env), ...(become === undefined ? {} : { become }) });
    }
    const ssh = await this.sshFactory();
    const sshPassword = this.opts.sshPassword;
    return ssh.open(facts.password === undefined && sshPassword !== undefined ? { ...facts, password: sshPassword } : facts, become, limits);
  }

  /** The gate's bytes as built, read now; a cached file damaged since is made anew, and that is said once. */
  private async checkedGate(): Promise<{ build: GateBuild; bytes: Buffer }> {
    const { build, bytes, repaired } = await intactGate(this.baked);
    if (repaired) this.warnings.warn({ host: 'localhost', message: `the gate file on this controller (${build.path}) was damaged; rebuilt` });
    return { build, bytes };
  }

  /**
   * ansible_python_interpreter (or interpreter_python) auto, auto_silent, auto_legacy or
   * auto_legacy_silent: the host's Python found by Ansible's own discovery (its probe run on
   * the host, its choice made by the worker), once per host per session, Ansible's warnings
   * said as it says them. Without ansible-core, ftl's own probe chooses, and that is said.
   */
  private async withInterpreter(facts: HostFacts, limits: StartLimits): Promise<HostFacts> {
    const mode = facts.python;
    if (mode === undefined || !DISCOVERY_MODES.has(mode)) return facts;
    const key = `${facts.name}\0${mode}`;
    let found = this.interpreters.get(key);
    if (found === undefined) {
      found = discoverInterpreter({
        host: facts.name,
        mode,
        ask: (replies) => discoveryStep(this.ansible, facts.name, mode, replies, {}),
        run: (command, stdin) => this.raw(facts, undefined, command, { timeoutMs: limits.timeoutMs, signal: limits.signal ?? new AbortController().signal, stdin }),
      }).then(
        ({ interpreter, warnings }) => {
          for (const w of warnings) this.warnings.warn({ host: facts.name, message: w });
          return interpreter;
        },
        (e: unknown) => {
          if (!(e instanceof FtlError) || e.code !== 'FTL_NO_ANSIBLE') throw e;
          this.warnings.warn({ message: `ansible_python_interpreter '${mode}': Ansible's interpreter discovery needs ansible-core on the controller; ftl's own probe chooses instead` }, 'no-discovery');
          return undefined;
        },
      );
      this.interpreters.set(key, found);
      found.catch(() => {
        if (this.interpreters.get(key) === found) this.interpreters.delete(key);
      });
    }
    return { ...facts, python: await found };
  }

  /**
   * A call is about to open gates on these hosts: when one is reached over SSH and no
   * SSH gate was opened yet this session, the ssh code loads, the gate is built and ~/.ssh/config is asked now,
   * while the call is still being prepared (its module found, its arguments checked), not
   * one after the other once the first host opens.
   */
  warmFor(hosts: readonly string[]): void {
    if (this.ssh !== undefined) return;
    let facts: HostFacts | undefined;
    try {
      const first = hosts.find((h) => this.inventory.host(h) !== undefined && this.inventory.facts(h).connection !== 'local');
      facts = first === undefined ? undefined : this.inventory.facts(first);
    } catch {
      // The call itself says what is wrong with the host.
    }
    if (facts === undefined) return;
    void this.sshFactory()
      .then((f) => f.warm(facts))
      .catch(() => undefined);
  }

  /** Runs a command on the host outside its gate (raw): a local shell, or an SSH exec channel. */
  async raw(facts: HostFacts, become: BecomeSpec | undefined, command: string, opts: Omit<RawOptions, 'become'>): Promise<RawResult> {
    const refused = refusalFor(facts, become !== undefined);
    if (refused !== undefined) throw refused;
    const o = { ...opts, become };
    if (facts.connection === 'local') return runLocalRaw(command, o);
    return (await this.sshFactory()).raw(facts, command, o);
  }

  /** Made on the first SSH host: a REPL on localhost never loads ssh settings. */
  private sshFactory(): Promise<SshGateFactory> {
    // ssh2 is loaded here, not at start-up: a session on localhost never needs it.
    // The gate is built (Ansible's module_utils read, hashed, zipped) while the first connections come up.
    this.ssh ??= import('../ssh/index.js').then(({ createSshGateFactory }) =>
      createSshGateFactory({
        gate: gateBuild(this.baked),
        resolveFacts: (name) => (this.inventory.host(name) === undefined ? undefined : this.inventory.facts(name)),
        ...(this.opts.acceptNew === undefined ? {} : { acceptNew: this.opts.acceptNew }),
        ...(this.opts.noHostKeyCheck === undefined ? {} : { noHostKeyCheck: this.opts.noHostKeyCheck }),
        ...(this.opts.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: this.opts.connectTimeoutMs }),
        ...(this.opts.askPassword === undefined ? {} : { askPassword: this.opts.askPassword }),
        warn: (w, key) => {
          this.warnings.warn(w, key);
        },
        readGate: async () => (await this.checkedGate()).bytes,
      }),
    );
    return this.ssh;
  }

  /** The controller's Ansible worker; its process starts on the first request that needs it. */
  get ansible(): AnsibleWorker {
    return (this.worker ??= new AnsibleWorker({ warnings: this.warnings }));
  }

  list(): GateInfo[] {
    return this.pool.list().map((g) => ({
      key: g.key,
      host: g.host,
      status: g.status,
      python: g.hello?.python_version,
      pid: g.hello?.pid,
      build: g.hello?.gate_hash === '' ? undefined : g.hello?.gate_hash,
      openedAt: g.openedAt,
      calls: g.calls,
      running: g.running,
    }));
  }

  /** The keys of the open (not draining) gates on these hosts. */
  private keysOn(hosts: ReadonlySet<string>): string[] {
    return this.pool.list().filter((g) => g.status !== 'draining' && hosts.has(g.host)).map((g) => g.key);
  }

  /** Opens each key's gate again; the hosts where that failed, with why. */
  private async reopen(keys: readonly string[]): Promise<{ host: string; message: string }[]> {
    const failed: { host: string; message: string }[] = [];
    await Promise.all(
      keys.map(async (key) => {
        try {
          await this.pool.reopen(key, { timeoutMs: REOPEN_MS });
        } catch (e) {
          failed.push({ host: key.split('|')[0] ?? key, message: e instanceof Error ? e.message : String(e) });
        }
      }),
    );
    return failed;
  }

  /**
   * Restarts the gates on these hosts: each is shut down (its running calls get the gate's
   * shutdown grace) and a new one of the same build is opened at once.
   */
  async restart(hosts: ReadonlySet<string>): Promise<GateReport> {
    const keys = this.keysOn(hosts);
    let running = 0;
    const closing = keys.map((k) => {
      const d = this.pool.drain(k, 0);
      running += d.running;
      return d.closed;
    });
    await Promise.all(closing);
    const failed = await this.reopen(keys);
    return { action: 'restart', done: keys.length - failed.length, failed, running };
  }

  /**
   * Starts the gate build the sources make now on these hosts: new calls go to the new
   * gates at once, and each old gate finishes the calls it runs, then closes (drained()).
   */
  async upgrade(hosts: ReadonlySet<string>): Promise<GateReport> {
    const build = await gateBuild(this.baked, { fresh: true });
    if (this.ssh !== undefined) (await this.ssh.catch(() => undefined))?.setGate(build);
    const keys = this.keysOn(hosts);
    let running = 0;
    for (const k of keys) running += this.pool.drain(k).running;
    const failed = await this.reopen(keys);
    return { action: 'upgrade', done: keys.length - failed.length, failed, running, build: build.hash };
  }

  /**
   * Drains the gates on these hosts: each takes no new call, finishes the ones it runs,
   * then closes (a later call on the host opens a new gate). Gates with nothing running
   * are closed before this returns.
   */
  async drain(hosts: ReadonlySet<string>): Promise<GateReport> {
    const keys = this.keysOn(hosts);
    let running = 0;
    const idle: Promise<void>[] = [];
    for (const k of keys) {
      const d = this.pool.drain(k);
      running += d.running;
      if (d.running === 0) idle.push(d.closed);
    }
    await Promise.all(idle);
    return { action: 'drain', done: keys.length, failed: [], running };
  }

  /** Calls fn with each gate opened from now on (its key is keyOf(host, become)); returns what stops it. */
  onGateOpened(fn: (key: string, gate: GateClient) => void): () => void {
    return this.pool.onOpened(fn);
  }

  /** The gate open and ready for this key now, if any (never opens one). */
  readyGate(key: string): GateClient | undefined {
    const g = this.pool.client(key);
    return g?.status === 'ready' ? g : undefined;
  }

  /** Resolves when every gate draining now (after an upgrade or a drain) has closed. */
  drained(): Promise<void> {
    return this.pool.drained();
  }

  /**
   * Decommissions these hosts: this session's gates there are shut down, every gate
   * process of the login user that runs from ~/.ftl is stopped, and ~/.ftl (gates, module
   * cache) is removed. A local host is left alone: its ~/.ftl is the controller's.
   */
  async remove(hosts: readonly string[], timeoutMs = 60_000): Promise<GateReport> {
    const failed: { host: string; message: string }[] = [];
    const skipped: string[] = [];
    let done = 0;
    let stopped = 0;
    const set = new Set(hosts);
    await Promise.all(this.keysOn(set).map((k) => this.pool.drain(k, 0).closed));
    await Promise.all(
      hosts.map(async (host) => {
        const facts = this.inventory.facts(host);
        if (facts.connection === 'local') {
          skipped.push(host);
          return;
        }
        try {
          const r = await this.raw(facts, undefined, removeScript('.ftl'), { timeoutMs, signal: AbortSignal.timeout(timeoutMs) });
          const parsed = parseRemoved(r.stdout);
          if (r.rc !== 0 || parsed === undefined) throw new Error(`the clean-up script failed (exit ${String(r.rc)}): ${r.stderr.trim().split('\n').slice(-2).join(' | ') || 'no output'}`);
          stopped += parsed.stopped;
          done++;
        } catch (e) {
          failed.push({ host, message: e instanceof Error ? e.message : String(e) });
        }
      }),
    );
    return { action: 'remove', done, failed, running: 0, stopped, skipped };
  }

  async closeAll(): Promise<void> {
    await Promise.all([this.pool.closeAll(), this.worker?.close()]);
    const ssh = this.ssh;
    this.ssh = undefined;
    if (ssh !== undefined) await (await ssh.catch(() => undefined))?.closeAll();
  }
}
