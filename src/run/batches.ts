/**
 * How a call's hosts are started: in batches (Ansible's `serial`, a canary batch first),
 * and when to stop starting new ones (canary failed, maxFailPercent crossed, failFast, or
 * every host of a serial batch failed). Pure: the runner asks, this answers.
 */
import { UsageError } from '../base/errors.js';
import { foldHosts } from '../base/hostset.js';
import type { HostStatus } from '../base/types.js';

export interface RolloutOptions {
  /** Run on the first N hosts (inventory order) first; the rest only if none of them failed. */
  canary?: number | undefined;
  /** Stop starting new hosts once more than P% of the call's hosts failed or were unreachable. */
  maxFailPercent?: number | undefined;
  /** Stop starting new hosts at the first failure (maxFailPercent 0). */
  failFast?: boolean | undefined;
  /** Batches of N hosts, or 'P%' of them, one after another (Ansible's serial). */
  serial?: number | string | undefined;
}

/** Parses serial as Ansible takes it: a whole number, or a percentage of the hosts. */
export function serialSize(serial: number | string, total: number): number {
  const s = typeof serial === 'number' ? String(serial) : serial.trim();
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(s);
  if (pct !== null) {
    const p = Number(pct[1]);
    if (p <= 0 || p > 100) throw new UsageError('FTL_USAGE', `serial '${s}' must be a percentage above 0 and at most 100%`);
    return Math.max(1, Math.floor((total * p) / 100));
  }
  const n = Number(s);
  if (!/^\d+$/.test(s) || n < 1) throw new UsageError('FTL_USAGE', `serial must be a positive whole number or a percentage such as '25%', not '${s}'`);
  return n;
}

/** The batches, in order; every host in exactly one, inventory order kept. */
export function batchesOf(hosts: readonly string[], o: RolloutOptions): string[][] {
  const out: string[][] = [];
  let rest = [...hosts];
  if (o.canary !== undefined && o.canary > 0 && o.canary < rest.length) {
    out.push(rest.slice(0, o.canary));
    rest = rest.slice(o.canary);
  }
  if (o.serial === undefined) {
    if (rest.length > 0) out.push(rest);
    return out;
  }
  const size = serialSize(o.serial, hosts.length);
  for (let i = 0; i < rest.length; i += size) out.push(rest.slice(i, i + size));
  return out;
}

const FAILING: readonly HostStatus[] = ['failed', 'unreachable'];

/** Counts failures as hosts finish and says when, and why, no new host may start. */
export class Rollout {
  readonly batches: string[][];
  private failedHosts: string[] = [];
  private why: string | undefined;
  private readonly threshold: number | undefined;

  constructor(
    private readonly hosts: readonly string[],
    private readonly o: RolloutOptions,
  ) {
    this.batches = batchesOf(hosts, o);
    this.threshold = o.failFast === true ? 0 : o.maxFailPercent;
  }

  /** Why new hosts no longer start; undefined while they may. */
  get stopped(): string | undefined {
    return this.why;
  }

  finished(host: string, status: HostStatus): void {
    if (!FAILING.includes(status)) return;
    this.failedHosts.push(host);
    if (this.why !== undefined || this.threshold === undefined) return;
    const pct = (this.failedHosts.length * 100) / this.hosts.length;
    if (pct > this.threshold) {
      this.why = this.o.failFast === true ? `fail-fast: ${host} ${status}` : `${String(this.failedHosts.length)} of ${String(this.hosts.length)} hosts failed (over ${String(this.threshold)}%)`;
    }
  }

  /** After batch i is done: a failed canary, or a serial batch where every host failed, stops the rest. */
  batchDone(i: number, outcomes: readonly { host: string; status: HostStatus }[]): void {
    if (this.why !== undefined) return;
    const failed = outcomes.filter((x) => FAILING.includes(x.status)).map((x) => x.host);
    const isCanary = i === 0 && this.o.canary !== undefined && this.batches.length > 1;
    if (isCanary && failed.length > 0) this.why = `canary ${foldHosts(failed)} failed`;
    else if (this.o.serial !== undefined && failed.length > 0 && failed.length === outcomes.length && i < this.batches.length - 1) {
      this.why = `every host of batch ${String(i + 1)} failed`;
    }
  }
}

/** Checks rollout call options given from the REPL or JavaScript (types are not checked before). */
export function checkRolloutOptions(o: Readonly<Record<string, unknown>>): void {
  const bad = (name: string, want: string, v: unknown): UsageError =>
    new UsageError('FTL_USAGE', `call option '${name}' must be ${want}, not ${typeof v === 'string' ? `'${v}'` : JSON.stringify(v)}`);
  if (o.canary !== undefined && (typeof o.canary !== 'number' || !Number.isInteger(o.canary) || o.canary < 1)) throw bad('canary', 'a positive whole number of hosts', o.canary);
  if (o.maxFailPercent !== undefined && (typeof o.maxFailPercent !== 'number' || !(o.maxFailPercent >= 0 && o.maxFailPercent < 100))) throw bad('maxFailPercent', 'a percentage from 0 to 99', o.maxFailPercent);
  if (o.failFast !== undefined && typeof o.failFast !== 'boolean') throw bad('failFast', 'true or false', o.failFast);
  if (o.serial !== undefined) {
    if (typeof o.serial !== 'number' && typeof o.serial !== 'string') throw bad('serial', "a number of hosts or a percentage such as '25%'", o.serial);
    serialSize(o.serial, 1);
  }
}
