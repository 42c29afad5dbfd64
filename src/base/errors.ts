/**
 * Every error a user can meet has a stable code, the host it concerns (if any),
 * and a one-line hint that says what to do about it. Codes live in one table so
 * the docs, the REPL and tests agree on them.
 */
export const ERROR_CODES = {
  // protocol and gate
  FTL_PROTOCOL_BAD_LENGTH: 'the gate sent a frame whose length is not 8 hex digits; the gate or its interpreter printed something unexpected',
  FTL_PROTOCOL_TOO_LARGE: 'a frame over 64 MiB was refused; send large files with copy src= instead of inline content',
  FTL_PROTOCOL_TRUNCATED: 'the stream ended inside a frame; the gate died mid-reply (see its stderr)',
  FTL_PROTOCOL_BAD_JSON: 'a frame body was not valid JSON',
  FTL_PROTOCOL_BAD_SHAPE: 'a frame body was not a [type, data] or [type, data, id] array',
  FTL_GATE_START: 'the gate could not start; check that python3 (3.8 or newer) is installed on the host',
  FTL_GATE_DIED: 'the gate process exited; the next call starts a new one',
  FTL_GATE_TIMEOUT: 'the gate did not answer in time; raise the timeout (--timeout S, .timeout S) or check the host',
  FTL_GATE_CLOSED: 'the gate session is closed; the next call starts a new one',
  FTL_GATE_ERROR: 'the gate reported an error running the request',
  FTL_MODULE_NOT_FOUND: '.modules lists the ones this controller knows',
  FTL_CANCELLED: 'the call was cancelled',
  // inventory
  FTL_INVENTORY_SYNTAX: 'fix the syntax at the line shown',
  FTL_INVENTORY_NOT_FOUND: 'check the -i path',
  FTL_INVENTORY_CYCLE: 'a group cannot be its own descendant; remove one of the children links',
  FTL_INVENTORY_UNSUPPORTED: 'this inventory feature is not supported yet',
  FTL_PATTERN_NO_MATCH: 'no host matches the pattern; .hosts lists the hosts',
  // ssh
  FTL_SSH_CONNECT: 'check that the host is up and sshd listens on that port',
  FTL_SSH_AUTH: 'check the user and key (ansible_user, ansible_ssh_private_key_file) or ssh-agent, or give the password (-k, ansible_password)',
  FTL_SSH_HOSTKEY_UNKNOWN: 'the host key is not in known_hosts; check its fingerprint and rerun with --accept-new to record it',
  FTL_SSH_HOSTKEY_CHANGED: 'the host key differs from known_hosts: possible man-in-the-middle; if the host was rebuilt, remove the old key with ssh-keygen -R',
  FTL_SSH_NO_PYTHON: 'install python3 (3.8 or newer) on the host, or set ansible_python_interpreter',
  FTL_SSH_DEPLOY: 'the gate could not be uploaded; check disk space and permissions of ~/.ftl on the host',
  FTL_BECOME: 'become failed; check sudo rights for the user, or give the become password',
  FTL_BECOME_PASSWORD: 'sudo wants a password: give it with -K (--ask-become-pass), when the REPL asks, or as ansible_become_password in the inventory',
  FTL_NO_TERMINAL: 'put it in the inventory (ansible_password, ansible_become_password) or use a key',
  // usage
  FTL_USAGE: 'see ftl --help',
  FTL_BAD_ARGS: 'see .doc MODULE for the options the module takes',
  FTL_LAB: 'see ftl lab --help',
  FTL_LINE_STUCK: 'a line awaited a promise that never settled; await calls, and resolve or reject promises you make',
  // templates and the controller's Ansible worker
  FTL_TEMPLATE: 'fix the template; the message is the one Ansible gives',
  FTL_NO_ANSIBLE: 'install ansible-core on the controller (apt-get install ansible-core, or pip install ansible-core), or set FTL_PYTHON to a Python that has it',
  FTL_WORKER: "the controller's Ansible worker failed; the next call starts a new one",
  // secrets and the state of provisioned hosts
  FTL_SECRET: 'export the environment variable, or check VAULT_ADDR, VAULT_TOKEN and the path#field',
  FTL_STATE: 'fix or remove the state file (ftl state list shows what it holds)',
  // safety: policy, confirmation, audit
  FTL_POLICY_DENIED: 'a policy rule denies this call; change the call, or the policy file (--policy, FTL_POLICY) if the rule is wrong',
  FTL_POLICY_FILE: 'fix the policy file: a rules: list of { decision: deny|confirm, match: {...}, reason }',
  FTL_CONFIRM_REFUSED: 'this call needs a confirmation and there is no one to ask: rerun with --yes (library: confirm: true) once you are sure, or narrow the target',
  FTL_CONFIRM_DECLINED: 'to run it, answer with the number of hosts; or narrow the target',
  FTL_AUDIT: 'the audit trail could not be written; fix the directory (FTL_AUDIT_DIR, ~/.ftl/audit) or turn it off with --no-audit',
  FTL_RECORD: 'give a record file written by --record (JSON lines, one call each), or fix the line named',
  FTL_VAULT: 'give the vault password with --vault-password-file FILE or --ask-vault-pass, or set ANSIBLE_VAULT_PASSWORD_FILE',
  // NATS workers
  FTL_NATS: 'check that nats-server runs at the --nats URL and that ftl worker runs for these hosts (docs/scale.md)',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * What a host's status is when an error of this code ends its call: the host could not be
 * reached or talked to (unreachable), the call ran and failed, or it was cancelled. Every
 * code is listed, so a new code must say which it is.
 */
export const HOST_STATUS_OF_ERROR: Readonly<Record<ErrorCode, 'failed' | 'unreachable' | 'cancelled'>> = {
  FTL_PROTOCOL_BAD_LENGTH: 'unreachable',
  // a request over the frame limit is never sent: the host is as reachable as before
  FTL_PROTOCOL_TOO_LARGE: 'failed',
  FTL_PROTOCOL_TRUNCATED: 'unreachable',
  FTL_PROTOCOL_BAD_JSON: 'unreachable',
  FTL_PROTOCOL_BAD_SHAPE: 'unreachable',
  FTL_GATE_START: 'unreachable',
  FTL_GATE_DIED: 'unreachable',
  FTL_GATE_TIMEOUT: 'failed',
  FTL_GATE_CLOSED: 'unreachable',
  FTL_GATE_ERROR: 'failed',
  FTL_MODULE_NOT_FOUND: 'failed',
  FTL_CANCELLED: 'cancelled',
  FTL_INVENTORY_SYNTAX: 'failed',
  FTL_INVENTORY_NOT_FOUND: 'failed',
  FTL_INVENTORY_CYCLE: 'failed',
  FTL_INVENTORY_UNSUPPORTED: 'failed',
  FTL_PATTERN_NO_MATCH: 'failed',
  FTL_SSH_CONNECT: 'unreachable',
  FTL_SSH_AUTH: 'unreachable',
  FTL_SSH_HOSTKEY_UNKNOWN: 'unreachable',
  FTL_SSH_HOSTKEY_CHANGED: 'unreachable',
  FTL_SSH_NO_PYTHON: 'unreachable',
  FTL_SSH_DEPLOY: 'unreachable',
  FTL_BECOME: 'failed',
  FTL_BECOME_PASSWORD: 'failed',
  FTL_NO_TERMINAL: 'failed',
  FTL_USAGE: 'failed',
  FTL_BAD_ARGS: 'failed',
  FTL_LAB: 'failed',
  FTL_LINE_STUCK: 'failed',
  FTL_TEMPLATE: 'failed',
  FTL_NO_ANSIBLE: 'failed',
  FTL_WORKER: 'failed',
  FTL_SECRET: 'failed',
  FTL_STATE: 'failed',
  FTL_POLICY_DENIED: 'failed',
  FTL_POLICY_FILE: 'failed',
  FTL_CONFIRM_REFUSED: 'failed',
  FTL_CONFIRM_DECLINED: 'cancelled',
  FTL_AUDIT: 'failed',
  FTL_RECORD: 'failed',
  FTL_VAULT: 'failed',
  FTL_NATS: 'unreachable',
};


export interface FtlErrorOptions {
  host?: string | undefined;
  cause?: unknown;
  hint?: string | undefined;
}

export class FtlError extends Error {
  override readonly name: string = 'FtlError';
  readonly code: ErrorCode;
  readonly host: string | undefined;
  readonly hint: string;

  constructor(code: ErrorCode, message: string, options: FtlErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.host = options.host;
    this.hint = options.hint ?? ERROR_CODES[code];
  }

  /** One line for a person: what happened, on which host, and what to do. */
  oneLine(): string {
    const where = this.host === undefined ? '' : `${this.host}: `;
    return `${where}${this.message} (${this.hint})`;
  }
}

export class ProtocolError extends FtlError {
  override readonly name = 'ProtocolError';
}

export class GateError extends FtlError {
  override readonly name = 'GateError';
}

export class InventoryError extends FtlError {
  override readonly name = 'InventoryError';
}

export class SshError extends FtlError {
  override readonly name = 'SshError';
}

export class UsageError extends FtlError {
  override readonly name = 'UsageError';
}

export class SecretError extends FtlError {
  override readonly name = 'SecretError';
}

export class StateError extends FtlError {
  override readonly name = 'StateError';
}

/** A call stopped before any host was touched: a policy rule denied it, or it needed a confirmation it did not get. */
export class PolicyError extends FtlError {
  override readonly name = 'PolicyError';
  constructor(
    code: 'FTL_POLICY_DENIED' | 'FTL_POLICY_FILE' | 'FTL_CONFIRM_REFUSED' | 'FTL_CONFIRM_DECLINED',
    message: string,
    /** The rule that decided (file#index or its name), and its reason. */
    readonly rule?: string | undefined,
    readonly reason?: string | undefined,
    options: FtlErrorOptions = {},
  ) {
    super(code, message, options);
  }
}

/** Why sudo would not start the gate: the REPL asks for a password on the first two. */
export type BecomeFailure = 'password-required' | 'password-refused' | 'refused';

export class BecomeError extends FtlError {
  override readonly name = 'BecomeError';
  constructor(
    readonly reason: BecomeFailure,
    message: string,
    options: FtlErrorOptions = {},
  ) {
    super(reason === 'refused' ? 'FTL_BECOME' : 'FTL_BECOME_PASSWORD', message, options);
  }
}

export function isFtlError(e: unknown): e is FtlError {
  return e instanceof FtlError;
}

/** A message for any thrown value, without a stack. */
export function describeError(e: unknown): string {
  if (e instanceof FtlError) return e.oneLine();
  if (e instanceof Error) return e.message;
  return String(e);
}
