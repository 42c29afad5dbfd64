import { chmodSync, copyFileSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { BecomeError, GateError } from '../base/errors.js';
import { Warnings } from '../base/warnings.js';
import { spawnLocalGate } from '../gate/local.js';
import { GatePool } from '../gate/pool.js';
import type { GateSession } from '../gate/session.js';
import type { GateTransport } from '../gate/transport.js';
import type { HostFacts } from '../base/types.js';
import type { Inventory } from '../inventory/index.js';
import type { AskPassword } from '../base/passwords.js';
import type { SshGateFactory } from '../ssh/index.js';
import type { RawOptions, RawResult } from '../ssh/raw.js';
import { AnsibleWorker } from './ansible-worker.js';
import { gateBuild } from './gate-build.js';
import { runLocalRaw } from './raw-exec.js';
import { controllerPython } from '../modules/ansible-env.js';
import type { BecomeSpec } from '../base/types.js';

export interface GateProviderOptions {
  /** Where warnings go (said once each); default: one line on stderr. */
  warnings?: Warnings;
  /** Record host keys not yet in known_hosts (never changed ones). */
  acceptNew?: boolean;
  /** Skip host key checking entirely (labs). */
  noHostKeyCheck?: boolean;
  connectTimeoutMs?: number;
  /** Asks for a password the inventory does not give (the REPL prompts; scripts leave it out). */
  askPassword?: AskPassword;
  /** The SSH password for hosts whose inventory gives none (-k), tried after keys. */
  sshPassword?: string;
  /** The become password for hosts whose inventory gives none (-K). */
  becomePassword?: string;
}

let sharedDir: string | undefined;

/**
 * The become user cannot read ~/.ftl (0700): give it a copy in a directory only we can
 * write to (0711: others may open a file they know the name of, never list or replace it).
 * The gate is public code; nothing secret is in it.
 */
function readableCopy(path: string): string {
  sharedDir ??= mkdtempSync(join(tmpdir(), 'ftl-gate-'));
  chmodSync(sharedDir, 0o711);
  const target = join(sharedDir, basename(path));
  if (!existsSync(target)) {
    copyFileSync(path, target);
    chmodSync(target, 0o644);
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

interface Pending {
  facts: HostFacts;
  become: BecomeSpec | undefined;
}

/**
 * One gate per (host, become user), opened on first use and reused; a gate that died
 * is replaced on the next call. Local hosts get a child process, others an SSH channel.
 */
export class GateProvider {
  private readonly pool: GatePool;
  private readonly wanted = new Map<string, Pending>();
  private readonly shipped = new WeakMap<GateSession, Set<string>>();
  private ssh: Promise<SshGateFactory> | undefined;
  private worker: AnsibleWorker | undefined;
  /** -K's answer, or the last one sudo accepted: memory only. */
  private becomePassword: string | undefined;
  /** Said once each: a redeployed gate, an ssh option that cannot be honoured. */
  readonly warnings: Warnings;

  constructor(
    private readonly inventory: Inventory,
    private readonly opts: GateProviderOptions = {},
  ) {
    this.pool = new GatePool((key) => this.openTransport(key), { hostOf: (key) => key.split('|')[0] ?? key });
    this.becomePassword = opts.becomePassword;
    this.warnings = opts.warnings ?? new Warnings();
  }

  static keyOf(host: string, become: BecomeSpec | undefined): string {
    return become === undefined ? host : `${host}|${become.user}`;
  }

  /**
   * The gate, or FTL_CANCELLED as soon as the signal fires. Opening may wait on a slow
   * host or on a person typing a password; Ctrl-C must not. The opening goes on by
   * itself (the gate joins the pool, or fails quietly).
   */
  sessionUntil(host: string, facts: HostFacts, become: BecomeSpec | undefined, signal: AbortSignal): Promise<GateSession> {
    const opening = this.session(host, facts, become);
    opening.catch(() => undefined);
    if (signal.aborted) return Promise.reject(new GateError('FTL_CANCELLED', 'cancelled before the gate was open', { host }));
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        reject(new GateError('FTL_CANCELLED', 'cancelled while the gate was opening', { host }));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      opening.then(resolve, reject).finally(() => {
        signal.removeEventListener('abort', onAbort);
      });
    });
  }

  async session(host: string, facts: HostFacts, become: BecomeSpec | undefined): Promise<GateSession> {
    const key = GateProvider.keyOf(host, become);
    const password = become?.password ?? this.becomePassword;
    this.wanted.set(key, { facts, become: become === undefined ? undefined : { ...become, password } });
    try {
      return await this.pool.get(key);
    } catch (e) {
      const ask = this.opts.askPassword;
      if (become === undefined || ask === undefined || become.password !== undefined || !(e instanceof BecomeError) || e.reason === 'refused') throw e;
      return this.askForBecome(key, host, facts, become, e, ask);
    }
  }

  /** sudo wants a password the inventory does not give: ask (again, up to 3 times, when it is refused). */
  private async askForBecome(key: string, host: string, facts: HostFacts, become: BecomeSpec, first: BecomeError, ask: AskPassword): Promise<GateSession> {
    let err = first;
    let refused = err.reason === 'password-refused' ? this.becomePassword : undefined;
    for (let attempt = 0; attempt < 3; attempt++) {
      const password = await ask({ kind: 'become', host, user: become.user, refused });
      this.wanted.set(key, { facts, become: { ...become, password } });
      try {
        const s = await this.pool.get(key);
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
  shippedTo(session: GateSession): Set<string> {
    let set = this.shipped.get(session);
    if (set === undefined) this.shipped.set(session, (set = new Set()));
    return set;
  }

  private async openTransport(key: string): Promise<GateTransport> {
    const want = this.wanted.get(key);
    if (want === undefined) throw new GateError('FTL_GATE_START', `no host known for gate ${key}`);
    const build = await gateBuild();
    const { facts, become } = want;
    if (facts.connection === 'local') {
      const path = become === undefined ? build.path : readableCopy(build.path);
      // As Ansible's implicit localhost runs the controller's own Python: never a
      // version-manager shim on PATH (pyenv's costs ~120 ms per start).
      return spawnLocalGate(path, { python: facts.python ?? controllerPython(process.env), ...(become === undefined ? {} : { become }) });
    }
    const ssh = await this.sshFactory();
    const sshPassword = this.opts.sshPassword;
    return ssh.open(facts.password === undefined && sshPassword !== undefined ? { ...facts, password: sshPassword } : facts, become);
  }

  /** Runs a command on the host outside its gate (raw): a local shell, or an SSH exec channel. */
  async raw(facts: HostFacts, become: BecomeSpec | undefined, command: string, opts: Omit<RawOptions, 'become'>): Promise<RawResult> {
    const o = { ...opts, become };
    if (facts.connection === 'local') return runLocalRaw(command, o);
    return (await this.sshFactory()).raw(facts, command, o);
  }

  /** Made on the first SSH host: a REPL on localhost never loads ssh settings. */
  private sshFactory(): Promise<SshGateFactory> {
    // ssh2 is loaded here, not at start-up: a session on localhost never needs it.
    this.ssh ??= Promise.all([gateBuild(), import('../ssh/index.js')]).then(([gate, { createSshGateFactory }]) =>
      createSshGateFactory({
        gate,
        resolveFacts: (name) => (this.inventory.host(name) === undefined ? undefined : this.inventory.facts(name)),
        ...(this.opts.acceptNew === undefined ? {} : { acceptNew: this.opts.acceptNew }),
        ...(this.opts.noHostKeyCheck === undefined ? {} : { noHostKeyCheck: this.opts.noHostKeyCheck }),
        ...(this.opts.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: this.opts.connectTimeoutMs }),
        ...(this.opts.askPassword === undefined ? {} : { askPassword: this.opts.askPassword }),
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
