/**
 * The controller's Ansible worker: one long-lived Python process with ansible-core loaded
 * (python/ftl_ansible), started on first need and kept for the session. It answers what
 * only Ansible knows, with Ansible's own code: templating with the variables a task sees,
 * the template action's rendering. It speaks the gate's framing, so a GateClient over a
 * local child process carries it (ids, timeouts, death detection).
 *
 * What the worker already has is not sent again: the inventory goes once per version
 * (SetInventory), a host's facts once per gathering. A request on a thousand hosts is one
 * round trip. See docs/gate-protocol.md, "The controller's Ansible worker".
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { FtlError, GateError } from '../base/errors.js';
import { packageRoot } from '../base/paths.js';
import type { Warnings } from '../base/warnings.js';
import { spawnLocalGate } from '../gate/local.js';
import { GateClient, type GateReply } from '../gate/client.js';
import { controllerPython } from '../modules/ansible-env.js';

type Vars = Readonly<Record<string, unknown>>;

/** The inventory as the worker gets it: each host's merged variables and each group's hosts. */
export interface InventorySnapshot {
  readonly hosts: Readonly<Record<string, Vars>>;
  /** Every group with its hosts, 'all' and 'ungrouped' included, in inventory order. */
  readonly groups: Readonly<Record<string, readonly string[]>>;
  /** The variables of 'all' (what the implicit localhost gets). */
  readonly allVars: Vars;
  /** The inventory sources, as absolute paths (ansible_inventory_sources). */
  readonly sources: readonly string[];
  /** Whether some values are sealed (`{"__ansible_vault": ...}`: no vault password opened them): the worker makes Ansible's vault objects of them. */
  readonly sealed?: boolean;
}

export interface WorkerInventory {
  /** Changes whenever hosts, groups or variables change; the snapshot is read only then. */
  version(): number;
  snapshot(): InventorySnapshot;
}

/** A host's facts, under the key the session keeps them by (host, or host|become user). */
export interface HostFactsRef {
  readonly key: string;
  /** undefined: none gathered (or forgotten since). */
  readonly facts: Vars | undefined;
}

/** What a request about hosts says besides its own data: who, with what, and how. */
export interface HostsScope {
  readonly inventory: WorkerInventory;
  readonly hosts: readonly string[];
  readonly factsOf: (host: string) => HostFactsRef;
  /** The task's `vars:` (the call option vars). */
  readonly taskVars?: Vars | undefined;
  readonly extraVars?: Vars | undefined;
  readonly check: boolean;
  readonly diff: boolean;
  readonly forks?: number | undefined;
  readonly limit?: string | undefined;
  /** Where relative paths (lookups, templates) are found; the current directory by default. */
  readonly cwd?: string | undefined;
  readonly timeoutMs?: number | undefined;
  readonly signal?: AbortSignal | undefined;
}

export type HostFailure = Readonly<Record<string, unknown>> & { readonly failed: true; readonly msg: string };

export type TemplateOutcome = { readonly value: unknown } | HostFailure;

export interface RenderedTemplate {
  readonly data: Buffer;
  /** What the template action would give the copy action (dest, mode, follow, file options). */
  readonly copyArgs: Readonly<Record<string, unknown>>;
  /** The template file as the action found it. */
  readonly source: string;
}

export type RenderOutcome = RenderedTemplate | HostFailure;

export function isFailure(o: object): o is HostFailure {
  return (o as { failed?: unknown }).failed === true;
}

export interface WorkerHello {
  readonly pid?: number;
  readonly python_version?: string;
  readonly python_executable?: string;
  readonly ansible_version?: string | null;
  readonly ansible_error?: string;
  readonly handlers?: readonly string[];
}

export interface AnsibleWorkerOptions {
  python?: string;
  env?: NodeJS.ProcessEnv;
  /** Per request unless the request says otherwise. */
  timeoutMs?: number;
  /** Where Ansible's warnings and deprecations go (each said once per session). */
  warnings?: Warnings;
}

const LABEL = "the controller's Ansible worker";

/** The worker's requests in a user's words, for messages (never the protocol's names). */
const REQUEST_WORDS: Readonly<Record<string, string>> = {
  SetInventory: 'reading the inventory',
  Template: 'templating the arguments',
  RenderTemplate: 'rendering the template',
  Hello: 'starting',
};
function words(type: string): string {
  return REQUEST_WORDS[type] ?? type;
}

function noAnsible(python: string, why: string): FtlError {
  return new FtlError('FTL_NO_ANSIBLE', `templating with {{ }} needs ansible-core on the controller, and ${python} cannot import it (${why})`);
}

export class AnsibleWorker {
  private client: Promise<GateClient> | undefined;
  /** What the current worker process has: reset when a new one starts. */
  private inventorySent: { version: number; done: Promise<void> } | undefined;
  private factsSent = new Map<string, Vars>();
  constructor(private readonly opts: AnsibleWorkerOptions = {}) {}

  /** Read when a process starts, not when the worker is made: a session makes it before it knows it needs one. */
  private get python(): string {
    return this.opts.python ?? controllerPython(this.opts.env ?? process.env);
  }

  /** Whether a worker process was started (a call without templating must not start one). */
  get started(): boolean {
    return this.client !== undefined;
  }

  private start(): Promise<GateClient> {
    const open = async (): Promise<GateClient> => {
      if (isAbsolute(this.python) && !existsSync(this.python)) throw noAnsible(this.python, 'there is no such file');
      const transport = spawnLocalGate(join(packageRoot(), 'python', 'ftl_ansible'), { python: this.python, env: this.opts.env ?? process.env });
      let s: GateClient;
      try {
        s = await GateClient.open(transport, { host: 'controller', helloTimeoutMs: 30_000, defaultTimeoutMs: this.opts.timeoutMs ?? 300_000 });
      } catch (e) {
        throw new FtlError('FTL_WORKER', `${LABEL} (${this.python}) did not start: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      }
      const hello = s.hello as WorkerHello;
      if (typeof hello.ansible_version !== 'string') {
        await s.close();
        throw noAnsible(this.python, hello.ansible_error ?? 'no ansible package');
      }
      this.inventorySent = undefined;
      this.factsSent = new Map();
      return s;
    };
    const current = this.client;
    const p = (async () => {
      const s = current === undefined ? undefined : await current.catch(() => undefined);
      return s !== undefined && s.status === 'ready' ? s : open();
    })();
    this.client = p;
    // A worker that could not start is forgotten: the next call tries again.
    p.catch(() => {
      if (this.client === p) this.client = undefined;
    });
    return p;
  }

  /** The worker's Hello (starting it if needed): its Python, ansible-core version, handlers. */
  async hello(): Promise<WorkerHello> {
    return (await this.start()).hello;
  }

  /** A request to the worker, starting it on first need. Its failures are FTL_WORKER errors. */
  async request(type: string, data: Record<string, unknown>, opts: { timeoutMs?: number | undefined; signal?: AbortSignal | undefined } = {}): Promise<GateReply> {
    const s = await this.start();
    let reply: GateReply;
    try {
      reply = await s.request(type, data, { ...(opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs }), ...(opts.signal === undefined ? {} : { signal: opts.signal }) });
    } catch (e) {
      if (e instanceof GateError && e.code === 'FTL_CANCELLED') throw e;
      const msg = e instanceof Error ? e.message : String(e);
      throw new FtlError('FTL_WORKER', `${LABEL} failed ${words(type)}: ${msg.replace(/^gate /, 'the worker ')}`, { cause: e });
    }
    this.passOnWarnings(reply.data);
    if (reply.type === 'NoAnsible') throw noAnsible(this.python, String(reply.data.message));
    if (reply.type === 'Error') {
      if (reply.data.cancelled === true) throw new GateError('FTL_CANCELLED', `${words(type)} cancelled`);
      throw new FtlError('FTL_WORKER', `${LABEL} failed ${words(type)}: ${String(reply.data.message)}`);
    }
    return reply;
  }

  /** What Ansible warned about while the request ran, as Ansible would have printed it. */
  private passOnWarnings(data: Record<string, unknown>): void {
    const sink = this.opts.warnings;
    if (sink === undefined) return;
    for (const key of ['warnings', 'deprecations']) {
      const list = data[key];
      if (!Array.isArray(list)) continue;
      for (const w of list) sink.warn({ message: `ansible: ${String(w)}` });
    }
  }

  private syncInventory(inv: WorkerInventory, scope: HostsScope): Promise<void> {
    const version = inv.version();
    if (this.inventorySent?.version === version) return this.inventorySent.done;
    const snap = inv.snapshot();
    const done = this.request(
      'SetInventory',
      { version, hosts: snap.hosts, groups: snap.groups, all_vars: snap.allVars, sources: snap.sources, ...(snap.sealed === true ? { sealed: true } : {}) },
      { timeoutMs: scope.timeoutMs, signal: scope.signal },
    ).then(() => undefined);
    const sent = { version, done };
    this.inventorySent = sent;
    done.catch(() => {
      if (this.inventorySent === sent) this.inventorySent = undefined;
    });
    return done;
  }

  /**
   * A request about hosts: the inventory synced first, facts the worker lacks sent along,
   * and sent again once if the worker turns out to have another inventory (it restarted).
   */
  async hostsRequest(type: string, scope: HostsScope, data: Record<string, unknown>): Promise<GateReply> {
    for (let attempt = 0; ; attempt++) {
      await this.syncInventory(scope.inventory, scope);
      const facts: Record<string, Vars | null> = {};
      const factsOf: Record<string, string> = {};
      for (const h of scope.hosts) {
        const ref = scope.factsOf(h);
        if (ref.key !== h) factsOf[h] = ref.key;
        if (this.factsSent.get(ref.key) !== ref.facts) facts[ref.key] = ref.facts ?? null;
      }
      const reply = await this.request(
        type,
        {
          ...data,
          inventory_version: scope.inventory.version(),
          hosts: scope.hosts,
          facts,
          facts_of: factsOf,
          task_vars: scope.taskVars ?? {},
          extra_vars: scope.extraVars ?? {},
          check: scope.check,
          diff: scope.diff,
          ...(scope.forks === undefined ? {} : { forks: scope.forks }),
          ...(scope.limit === undefined ? {} : { limit: scope.limit }),
          cwd: scope.cwd ?? process.cwd(),
        },
        { timeoutMs: scope.timeoutMs, signal: scope.signal },
      );
      if (reply.type === 'InventoryNeeded' && attempt === 0) {
        this.inventorySent = undefined;
        continue;
      }
      if (reply.type === 'InventoryNeeded') throw new FtlError('FTL_WORKER', `${LABEL}: ${String(reply.data.message)}`);
      // Known to the worker only once a request that carried them was answered.
      for (const [key, f] of Object.entries(facts)) {
        if (f === null) this.factsSent.delete(key);
        else this.factsSent.set(key, f);
      }
      return reply;
    }
  }

  /** Templates a value (any JSON) for each host; with `module`, as that module's task args. */
  async template(scope: HostsScope, value: unknown, module?: string): Promise<Map<string, TemplateOutcome>> {
    const reply = await this.hostsRequest('Template', scope, { value, ...(module === undefined ? {} : { module }) });
    return new Map(Object.entries(reply.data.results as Record<string, TemplateOutcome>));
  }

  /** What the template action renders for each host, from the template task's args. */
  async renderTemplate(scope: HostsScope, args: Vars): Promise<Map<string, RenderOutcome>> {
    const reply = await this.hostsRequest('RenderTemplate', scope, { args });
    const outputs = (reply.data.outputs as string[]).map((b) => Buffer.from(b, 'base64'));
    const out = new Map<string, RenderOutcome>();
    for (const [host, r] of Object.entries(reply.data.results as Record<string, Record<string, unknown>>)) {
      if (isFailure(r)) {
        out.set(host, r);
        continue;
      }
      const data = outputs[r.output as number];
      if (data === undefined) throw new FtlError('FTL_WORKER', `${LABEL} rendered nothing for ${host}`);
      out.set(host, { data, copyArgs: r.copy_args as Record<string, unknown>, source: r.source as string });
    }
    return out;
  }

  async close(): Promise<void> {
    const s = this.client;
    this.client = undefined;
    if (s === undefined) return;
    const client = await s.catch(() => undefined);
    await client?.close();
  }
}
