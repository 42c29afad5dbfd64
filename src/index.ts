// The library entry: `import { automation } from 'ftl'` gives scripts the REPL's `ftl` object.
export { automation } from './run/automation.js';
export type { AutomationOptions } from './run/automation.js';
export type { AddHostOptions, Ftl, FtlMembers, GateInfo, GateReport, Gates, ModuleArgs, ModuleCall, Secret, Secrets, Target } from './run/ftl-types.js';
export type { EventsOptions, EventsDroppedEvent, FileChangedEvent, FtlEvent, MetricsOptions, StreamEndedEvent, StreamHandle, StreamResumedEvent, SystemMetricsEvent, WatchOptions } from './run/ftl-types.js';
export type { SecretBindings } from './run/session-secrets.js';
export { RunResult } from './run/result.js';
export type { CallOptions } from './run/runner.js';
export type { HostResult, HostStatus, RunProgress } from './base/types.js';
export { FtlError, PolicyError, ERROR_CODES, isFtlError, describeError } from './base/errors.js';
export type { ConfirmFn, ConfirmPolicy, ConfirmRequest } from './run/guard.js';
export type { RolloutOptions } from './run/batches.js';
export type { ErrorCode } from './base/errors.js';
export type { ReplayReport } from './run/record.js';
