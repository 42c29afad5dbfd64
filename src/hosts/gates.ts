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
import { gateBuild, intactGate } from './gate-build.js';
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

/** One row of `.gates`. */
export interface GateInfo {
  readonly key: string;
  readonly host: string;
  readonly status: string;
  readonly python: string | undefined;
  readonly pid: number | undefined;
  readonly openedAt: number;
  readonly calls: number;
}

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

  /** Module sources a gate process has received already, so later calls send only the hash. */
  shippedTo(gate: GateClient): Set<string> {
    let set = this.shipped.get(gate);
    if (set === undefined) this.shipped.set(gate, (set = new Set()));
    return set;
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
    const { build, bytes, repaired } = await intactGate();
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
        gate: gateBuild(),
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
      openedAt: g.openedAt,
      calls: g.calls,
    }));
  }

  async closeAll(): Promise<void> {
    await Promise.all([this.pool.closeAll(), this.worker?.close()]);
    const ssh = this.ssh;
    this.ssh = undefined;
    if (ssh !== undefined) await (await ssh.catch(() => undefined))?.closeAll();
  }
}
