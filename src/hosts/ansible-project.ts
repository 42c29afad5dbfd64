/**
 * What the controller's Ansible worker answers about an Ansible project, with Ansible's own
 * code: its configuration (ansible.cfg and ANSIBLE_*), inventories that need Ansible's
 * plugins, connection variables that hold `{{ }}`, and Python interpreter discovery. See
 * docs/gate-protocol.md, "The controller's Ansible worker".
 */
import { FtlError } from '../base/errors.js';
import type { AnsibleInventoryData } from '../inventory/ansible-sources.js';
import { isFailure, type AnsibleWorker, type HostFailure, type HostsScope } from './ansible-worker.js';

/** A setting's value and where Ansible found it: 'default', 'env: ANSIBLE_X', or an ansible.cfg path. */
export interface AnsibleSetting {
  readonly value: unknown;
  readonly origin: string;
}

export interface AnsibleConfig {
  /** The ansible.cfg Ansible reads (ANSIBLE_CONFIG, ./ansible.cfg, ~/.ansible.cfg, /etc/ansible/ansible.cfg), if any. */
  readonly configFile: string | null;
  /** Ansible's names: DEFAULT_HOST_LIST, DEFAULT_FORKS, DEFAULT_BECOME, INTERPRETER_PYTHON... */
  readonly settings: Readonly<Record<string, AnsibleSetting>>;
  /** The ssh connection plugin's options: remote_user, private_key_file, host_key_checking, timeout, ssh_args... */
  readonly ssh: Readonly<Record<string, AnsibleSetting>>;
}

/** The configuration, and whether Ansible warned while reading it (the warnings have gone to the session's). */
export async function readAnsibleConfig(worker: AnsibleWorker): Promise<{ config: AnsibleConfig; warned: boolean }> {
  const r = await worker.request('Config', {}, { timeoutMs: 60_000 });
  const said = (k: string): boolean => Array.isArray(r.data[k]) && (r.data[k] as unknown[]).length > 0;
  return {
    config: {
      configFile: (r.data.config_file as string | null | undefined) ?? null,
      settings: r.data.settings as Record<string, AnsibleSetting>,
      ssh: r.data.ssh as Record<string, AnsibleSetting>,
    },
    warned: said('warnings') || said('deprecations'),
  };
}

/** Inventory sources read by Ansible's InventoryManager, as `ansible-inventory --list` shows them. */
export async function loadInventoryWithAnsible(worker: AnsibleWorker, sources: readonly string[], cwd: string): Promise<AnsibleInventoryData> {
  const r = await worker.request('LoadInventory', { sources, cwd }, { timeoutMs: 300_000 });
  return r.data as unknown as AnsibleInventoryData;
}

/** Each host's connection variables (names given per host) templated as Ansible templates them before connecting. */
export async function templateConnectionVars(
  worker: AnsibleWorker,
  scope: HostsScope,
  names: Readonly<Record<string, readonly string[]>>,
): Promise<Map<string, Readonly<Record<string, unknown>> | HostFailure>> {
  const r = await worker.hostsRequest('ConnectionVars', scope, { names });
  const out = new Map<string, Readonly<Record<string, unknown>> | HostFailure>();
  for (const [host, v] of Object.entries(r.data.results as Record<string, Record<string, unknown>>)) {
    out.set(host, isFailure(v) ? v : (v.values as Record<string, unknown>));
  }
  return out;
}

/** What a discovery step on a host ran, as the host answered. */
export interface DiscoveryReply {
  readonly rc: number;
  readonly stdout: string;
  readonly stderr: string;
}

export type DiscoveryStep = { readonly interpreter: string; readonly warnings: readonly string[] } | { readonly command: string; readonly stdin: Buffer | undefined };

/**
 * One step of Ansible's interpreter discovery for a host: its interpreter (and Ansible's
 * warnings), or the next command to run on the host (and its stdin) before asking again
 * with that command's answer appended to `replies`.
 */
export async function discoveryStep(
  worker: AnsibleWorker,
  host: string,
  mode: string,
  replies: readonly DiscoveryReply[],
  vars: Readonly<Record<string, unknown>>,
): Promise<DiscoveryStep> {
  const r = await worker.request('DiscoverInterpreter', { hosts: { [host]: { mode, replies, vars } } }, { timeoutMs: 60_000 });
  const got = (r.data.results as Record<string, Record<string, unknown>>)[host];
  if (got === undefined) throw new FtlError('FTL_WORKER', `the controller's Ansible worker gave no discovery answer for ${host}`);
  if (typeof got.interpreter === 'string') return { interpreter: got.interpreter, warnings: (got.warnings as string[] | undefined) ?? [] };
  return { command: String(got.command), stdin: typeof got.in_data === 'string' ? Buffer.from(got.in_data, 'base64') : undefined };
}
