/**
 * Controller-side actions: what Ansible does in an action plugin before (or instead of)
 * running a module on the host. Each action gets a small context for one host and
 * returns that host's outcome; it never throws for host-level trouble it can name.
 */
import type { GateClient } from '../gate/client.js';
import type { HostFacts } from '../base/types.js';
import type { BecomeSpec, HostOutcome } from '../base/types.js';
import type { FactsCache } from './facts-cache.js';
import type { CallTemplating } from './vars.js';

export type { VarsSource } from './vars.js';

export type Args = Readonly<Record<string, unknown>>;

/** What a command run outside the gate returned (raw). */
export interface ExecResult {
  readonly rc: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Bytes of stdout / stderr left out past the call's maxOutput. */
  readonly stdoutDroppedBytes?: number | undefined;
  readonly stderrDroppedBytes?: number | undefined;
}

export interface ModuleCallOptions {
  /** Overrides the call's check mode (helpers such as stat run with check off). */
  check?: boolean;
  diff?: boolean;
  /** Run Ansible's module even where the gate has a native one. */
  real?: boolean;
}


/** What an action can do on its one host. */
export interface ActionContext {
  readonly host: string;
  readonly facts: HostFacts;
  readonly become: BecomeSpec | undefined;
  readonly check: boolean;
  readonly diff: boolean;
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
  /** The host's gate, opened (or reopened) on first use. */
  gate(): Promise<GateClient>;
  /** Runs a module through the gate: the native one where the gate has it, else Ansible's. */
  module(name: string, args: Args, opts?: ModuleCallOptions): Promise<HostOutcome>;
  /** Runs a command on the host outside the gate (no Python needed). */
  exec(command: string, opts?: { executable?: string | undefined }): Promise<ExecResult>;
  /** Templating for this call through the controller's Ansible worker (one request for all its hosts). */
  readonly templating: CallTemplating;
  /** Facts gathered on hosts in this session. */
  readonly factsCache: FactsCache;
  /** The cache key of this host's gate (host, or host|become user): facts differ per user. */
  readonly gateKey: string;
  /** The call's own option to gather facts again instead of using the cache. */
  readonly refresh: boolean;
}

/** One call of an action, prepared: runs on each host. */
export type HostRun = (ctx: ActionContext) => Promise<HostOutcome>;

/**
 * A controller-side action. `prepare` runs once per call, before any host is touched:
 * what needs no host (a local file is there, a template parses) is checked there and
 * bad input is a UsageError; the returned function runs on each host.
 */
export interface Action {
  prepare(args: Args): Promise<HostRun> | HostRun;
}
