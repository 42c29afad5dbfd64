import type { AskPassword } from '../base/passwords.js';
import type { Warnings } from '../base/warnings.js';
import type { BakedModules } from '../modules/bake.js';

export interface GateProviderOptions {
  /** Where warnings go (said once each); default: one line on stderr. */
  warnings?: Warnings;
  /** Record host keys not yet in known_hosts (never changed ones). */
  acceptNew?: boolean;
  /** Skip host key checking entirely (labs). */
  noHostKeyCheck?: boolean;
  /** One attempt to connect, when the inventory (ansible_ssh_timeout) and ~/.ssh/config (ConnectTimeout) say nothing: 10 s. */
  connectTimeoutMs?: number;
  /** Asks for a password the inventory does not give (the REPL prompts; scripts leave it out). */
  askPassword?: AskPassword;
  /** The SSH password for hosts whose inventory gives none (-k), tried after keys. */
  sshPassword?: string;
  /** The become password for hosts whose inventory gives none (-K). */
  becomePassword?: string;
  /** Module sources baked into the gate (automation's gateModules): a fresh host needs one upload for them. */
  baked?: BakedModules;
}
