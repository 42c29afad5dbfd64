import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DEFAULT_MAX_OUTPUT } from '../base/bounded-output.js';
import { GateError } from '../base/errors.js';
import type { HostOutcome } from '../base/types.js';
import { collectionModuleUtils, pythonName } from './deps.js';
import type { ModuleInfo } from '../base/module-types.js';

export interface ModuleRequest {
  readonly type: 'FTLModule' | 'Module';
  readonly data: Record<string, unknown>;
  /** For a Module request sent without source: the same request with it. */
  readonly withSource?: () => ModuleRequest;
}

export interface RequestOptions {
  check: boolean;
  diff: boolean;
  verbosity: number;
  ansibleVersion?: string | undefined;
  /** Module hashes this gate process has received; the source is sent only once per gate. */
  sentHashes: Set<string>;
  /** `ansible_collections` directories, to find the collection module_utils a module imports. */
  collectionRoots?: readonly string[] | undefined;
  /** Bytes of each output stream the reply may carry (the gate cuts the rest); default 16 MiB. */
  maxOutput?: number | undefined;
}

/** What a reply may carry of a module's stdout (and of its stderr): well under the 64 MiB frame limit. */
export { DEFAULT_MAX_OUTPUT };

const sources = new Map<string, { b64: string; hash: string }>();

function sourceOf(path: string): { b64: string; hash: string } {
  let s = sources.get(path);
  if (s === undefined) {
    const bytes = readFileSync(path);
    s = { b64: bytes.toString('base64'), hash: createHash('sha256').update(bytes).digest('hex').slice(0, 16) };
    sources.set(path, s);
  }
  return s;
}

/** The `_ansible_*` args Ansible's controller passes every module (module_utils/common/parameters.py). */
function ansibleArgs(info: ModuleInfo, o: RequestOptions): Record<string, unknown> {
  return {
    _ansible_check_mode: o.check,
    _ansible_diff: o.diff,
    _ansible_verbosity: o.verbosity,
    _ansible_no_log: false,
    _ansible_debug: false,
    _ansible_version: o.ansibleVersion ?? '2.14.0',
    _ansible_module_name: info.fqcn,
    _ansible_keep_remote_files: false,
    _ansible_syslog_facility: 'LOG_USER',
    _ansible_selinux_special_fs: ['fuse', 'nfs', 'vboxsf', 'ramfs', '9p', 'vfat'],
    _ansible_string_conversion_action: 'warn',
    _ansible_shell_executable: '/bin/sh',
    _ansible_remote_tmp: '~/.ansible/tmp',
    _ansible_tmpdir: null,
    _ansible_socket: null,
  };
}

export function buildModuleRequest(info: ModuleInfo, args: Readonly<Record<string, unknown>>, o: RequestOptions): ModuleRequest {
  const moduleArgs = { ...args, ...ansibleArgs(info, o) };
  // The gate keeps this much of each output stream and says what it cut (gate/ftl_gate/output.py).
  const maxOutput = { max_output: o.maxOutput ?? DEFAULT_MAX_OUTPUT };
  if (info.native) {
    return { type: 'FTLModule', data: { module_name: info.shortName, module_args: moduleArgs, ...maxOutput } };
  }
  if (info.path === undefined) throw new GateError('FTL_MODULE_NOT_FOUND', `module ${info.fqcn} has no source file on this controller`);
  const src = sourceOf(info.path);
  const fqn = pythonName(info.path, info.shortName);
  const utils = collectionModuleUtils(info.path, fqn, o.collectionRoots ?? []).map((f) => ({ path: f.rel, ...sourceOf(f.path) }));
  // module_fqn: the package name the gate runs it as; module_utils: the collection files it
  // imports, each with its source only the first time this gate sees it (gate/ftl_gate/handlers.py).
  const base = { module_name: info.fqcn, module_args: moduleArgs, module_hash: src.hash, module_fqn: fqn, ...maxOutput };
  const withUtils = (all: boolean): Record<string, unknown> =>
    utils.length === 0 ? {} : { module_utils: utils.map((u) => (all || !o.sentHashes.has(u.hash) ? { path: u.path, hash: u.hash, source: u.b64 } : { path: u.path, hash: u.hash })) };
  const full: ModuleRequest = { type: 'Module', data: { ...base, module: src.b64, ...withUtils(true) } };
  const first = !o.sentHashes.has(src.hash);
  const partial = { ...base, ...(first ? { module: src.b64 } : {}), ...withUtils(false) };
  const complete = first && utils.every((u) => !o.sentHashes.has(u.hash));
  for (const h of [src.hash, ...utils.map((u) => u.hash)]) o.sentHashes.add(h);
  return complete ? full : { type: 'Module', data: partial, withSource: () => full };
}

// eslint-disable-next-line no-control-regex -- Python's splitlines breaks at the file, group and record separators (\x1c-\x1e) too
const LINE_BREAK = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/;

/** Python's str.splitlines(), which Ansible's controller uses for stdout_lines: every line break it knows, no empty last line. */
export function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split(LINE_BREAK);
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/** Lines as Ansible's controller adds them to a result that has stdout/stderr text. */
function addLines(result: Record<string, unknown>): Record<string, unknown> {
  const out = { ...result };
  for (const key of ['stdout', 'stderr'] as const) {
    const v = out[key];
    if (typeof v === 'string' && !(`${key}_lines` in out)) out[`${key}_lines`] = splitLines(v);
  }
  return out;
}

function messageOf(data: Record<string, unknown>): string {
  const m = data.message;
  return typeof m === 'string' ? m : JSON.stringify(m ?? 'unknown');
}

/** A gate's reply as a host outcome, by Ansible's rules (failed, then skipped, then changed). */
export function interpretReply(reply: { type: string; data: Record<string, unknown> }, module: string): HostOutcome {
  switch (reply.type) {
    case 'FTLModuleResult':
    case 'ModuleResult': {
      const raw = reply.type === 'FTLModuleResult' ? reply.data.result : reply.data;
      const result = addLines(raw !== null && typeof raw === 'object' ? (raw as Record<string, unknown>) : { value: raw });
      if (!('changed' in result)) result.changed = false;
      // As Ansible's task executor: a module that says nothing of failing but returns a non-zero rc failed.
      if (!('failed' in result) && 'rc' in result && result.rc !== 0 && result.rc !== '0') result.failed = true;
      const failed = result.failed === true || result.failed === 'true';
      if (failed) return { status: 'failed', result };
      if (result.skipped === true) return { status: 'skipped', result };
      return { status: result.changed === true ? 'changed' : 'ok', result };
    }
    case 'ModuleNotFound':
      return { status: 'failed', result: { failed: true, changed: false, msg: `the gate has no module ${module}: ${messageOf(reply.data)}` } };
    case 'Error':
      if (reply.data.cancelled === true) return { status: 'cancelled', result: { msg: 'cancelled', changed: false } };
      if (reply.data.too_large === true) {
        return { status: 'failed', result: { failed: true, changed: false, msg: `${module}: ${messageOf(reply.data)}; lower the call option maxOutput (bytes kept of each output stream)` } };
      }
      return { status: 'failed', result: { failed: true, changed: false, msg: `gate error running ${module}: ${messageOf(reply.data)}` } };
    default:
      return { status: 'failed', result: { failed: true, changed: false, msg: `unexpected reply ${reply.type} to ${module}` } };
  }
}
