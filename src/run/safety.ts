/**
 * What stands between a call and the fleet: the policy (deny, confirm), the blast-radius
 * guard, and the audit trail that records every decision and every call. One object per
 * session (FtlCore.safety); the REPL changes its guard and how confirmations are asked.
 */
import { PolicyError, describeError, FtlError } from '../base/errors.js';
import { foldHosts } from '../base/hostset.js';
import { stderrSink } from '../base/warnings.js';
import { AuditLog, auditDir, type AuditDecision } from './audit.js';
import { confirmOrRefuse, offersPreview, type ConfirmPolicy } from './guard.js';
import { evaluatePolicy, loadPolicy, type PolicyRule } from './policy.js';
import type { RunResult } from './result.js';
import type { CallOptions } from './runner.js';

export interface SafetyOptions {
  /** false: no audit trail for this session (--no-audit). Default: on. */
  audit?: boolean;
  /** Where the audit trail goes; default FTL_AUDIT_DIR, else ~/.ftl/audit. */
  auditDir?: string;
  /** A policy file or directory (--policy); default FTL_POLICY; none: every call is allowed. */
  policy?: string;
  /** The environment of hosts whose inventory sets no ftl_environment (--environment). */
  environment?: string;
  /**
   * Calls that need a confirmation (a policy confirm rule, the guard): true goes on (--yes),
   * a function asks, false (the default) refuses them, touching nothing.
   */
  confirm?: ConfirmPolicy;
  /** The blast-radius guard: a call not in check mode on more hosts than this asks first. Default off (the REPL: 10). */
  guard?: number | false;
}

/** A call about to run, as the safety checks see it. */
export interface GuardedCall {
  readonly pattern: string;
  readonly hosts: readonly string[];
  readonly module: string;
  readonly shortName: string;
  readonly rawArgs: unknown;
  /** The args as recorded: every secret the session knows masked. */
  shownArgs(): Record<string, unknown>;
  readonly check: boolean;
  readonly diff: boolean;
  readonly become: string | boolean | undefined;
  readonly options: CallOptions;
  /** A check-mode preview asked for from a confirmation: it is not asked about again. */
  readonly isPreview?: boolean;
}

const ROLLOUT_KEYS = ['canary', 'maxFailPercent', 'failFast', 'serial', 'forks', 'timeout'] as const;

function paramsOf(args: unknown): Record<string, unknown> {
  if (typeof args === 'string') return { _raw_params: args };
  if (args !== null && typeof args === 'object' && !Array.isArray(args)) return args as Record<string, unknown>;
  return {};
}

export class Safety {
  readonly rules: readonly PolicyRule[];
  readonly policyPath: string | undefined;
  readonly environment: string | undefined;
  readonly audit: AuditLog | undefined;
  /** Mutable: the REPL's .guard. */
  guard: number | undefined;
  /** Mutable: the REPL asks at its prompt. */
  confirm: ConfirmPolicy;

  constructor(
    opts: SafetyOptions,
    private readonly envVarOf: (host: string) => unknown,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    const path = opts.policy ?? (env.FTL_POLICY === '' ? undefined : env.FTL_POLICY);
    this.policyPath = path;
    this.rules = path === undefined ? [] : loadPolicy(path);
    this.environment = opts.environment;
    this.audit = opts.audit === false ? undefined : new AuditLog(opts.auditDir ?? auditDir(env));
    this.guard = opts.guard === false || opts.guard === undefined ? undefined : opts.guard;
    this.confirm = opts.confirm ?? false;
  }

  /** A host's environment: its inventory's ftl_environment, else the session's (--environment). */
  environmentOf(host: string): string | undefined {
    const v = this.envVarOf(host);
    if (typeof v === 'string' && v !== '') return v;
    return this.environment;
  }

  /** Checks the policy and the guard, asks when needed, runs, and records; nothing is touched unless it may run. */
  async guarded(c: GuardedCall, run: (o: CallOptions) => Promise<RunResult>, preview: () => Promise<RunResult>): Promise<RunResult> {
    const startedAt = new Date();
    // A call that cannot be recorded does not run.
    this.audit?.prepare();
    const envs = [...new Set(c.hosts.map((h) => this.environmentOf(h)).filter((e): e is string => e !== undefined))];
    const options = Object.fromEntries(ROLLOUT_KEYS.filter((k) => c.options[k] !== undefined).map((k) => [k, c.options[k]]));
    const record = (policy: AuditDecision, result?: RunResult): void => {
      this.audit?.append({
        pattern: c.pattern,
        hosts: c.hosts,
        module: c.module,
        params: result?.args ?? c.shownArgs(),
        check: c.check,
        diff: c.diff,
        become: c.become,
        environment: envs.length === 0 ? undefined : envs.join(','),
        options,
        policy,
        result,
        startedAt,
        durationMs: Date.now() - startedAt.getTime(),
      });
    };
    const verdict = evaluatePolicy(this.rules, {
      module: c.module,
      shortName: c.shortName,
      hosts: c.hosts,
      environmentOf: (h) => this.environmentOf(h),
      params: paramsOf(c.rawArgs),
      check: c.check,
    });
    if (verdict?.decision === 'deny') {
      record({ decision: 'denied', rule: verdict.rule, reason: verdict.reason });
      const why = verdict.reason === '' ? '' : `: ${verdict.reason}`;
      throw new PolicyError('FTL_POLICY_DENIED', `${c.shortName} on ${foldHosts(verdict.hosts)} denied by policy rule ${verdict.rule}${why}; no host was touched`, verdict.rule, verdict.reason);
    }
    let decision: AuditDecision = { decision: 'permitted' };
    const guardHit = !c.check && this.guard !== undefined && c.hosts.length > this.guard;
    if (c.isPreview !== true && (verdict !== undefined || guardHit)) {
      const why =
        verdict !== undefined
          ? `policy rule ${verdict.rule} asks for a confirmation${verdict.reason === '' ? '' : `: ${verdict.reason}`}`
          : `a changing call on more than ${String(this.guard)} hosts (the guard; .guard N|off)`;
      try {
        await confirmOrRefuse(this.confirm, { module: c.shortName, pattern: c.pattern, hosts: c.hosts, why, preview: offersPreview(c.module) ? preview : undefined }, verdict?.rule, verdict?.reason);
      } catch (e) {
        const declined = e instanceof FtlError && (e.code === 'FTL_CONFIRM_DECLINED' || e.code === 'FTL_CANCELLED');
        record({ decision: declined ? 'declined' : 'refused', rule: verdict?.rule ?? 'guard', reason: verdict?.reason ?? why });
        throw e;
      }
      decision = { decision: 'confirmed', rule: verdict?.rule ?? 'guard', reason: verdict?.reason ?? why };
    }
    const result = await run(c.options);
    try {
      record(decision, result);
    } catch (e) {
      // The hosts have changed already: the result is the user's; the missing record is said loudly.
      stderrSink({ message: `the call ran, but its audit record was not written: ${describeError(e)}` });
    }
    return result;
  }
}
