/**
 * Vault decryption through the controller's Ansible worker (its Decrypt request, Ansible's
 * own VaultLib and password-file handling). The worker starts only when something vaulted
 * is met, and one request carries everything a load has to decrypt.
 */
import { FtlError } from '../base/errors.js';
import { type VaultDecrypt, type VaultOutcome } from '../inventory/vault.js';
import type { AnsibleWorker } from './ansible-worker.js';

export interface VaultPasswords {
  /** Vault ids as Ansible takes them: `label@/absolute/file` (read, or run when executable). */
  readonly ids: readonly string[];
  /** Passwords given or asked for (--ask-vault-pass), under a vault id (default: Ansible's 'default'). */
  readonly passwords: readonly { readonly id?: string; readonly password: string }[];
}

export function hasVaultPasswords(p: VaultPasswords): boolean {
  return p.ids.length > 0 || p.passwords.length > 0;
}

export function workerVault(worker: () => AnsibleWorker, passwords: VaultPasswords): VaultDecrypt {
  return async (items) => {
    if (items.length === 0) return [];
    // Ansible's own words, without starting a worker to hear them.
    if (!hasVaultPasswords(passwords)) return items.map((): VaultOutcome => ({ error: 'Attempting to decrypt but no vault secrets found', reason: 'no-secrets' }));
    let reply;
    try {
      reply = await worker().request('Decrypt', { vault_ids: passwords.ids, passwords: passwords.passwords, items });
    } catch (e) {
      if (e instanceof FtlError && e.code === 'FTL_NO_ANSIBLE') {
        throw new FtlError('FTL_NO_ANSIBLE', `decrypting vault-encrypted values needs ansible-core on the controller: ${e.message.replace(/^.*?, and /, '')}`, { cause: e });
      }
      throw e;
    }
    if (reply.type === 'PasswordFileError') {
      throw new FtlError('FTL_VAULT', `vault password: ${String(reply.data.message)}`, { hint: 'a vault password file holds the password, or is an executable that prints it' });
    }
    const results = reply.data.results;
    if (!Array.isArray(results) || results.length !== items.length) throw new FtlError('FTL_WORKER', `the controller's Ansible worker answered Decrypt with ${Array.isArray(results) ? String(results.length) : 'no'} results for ${String(items.length)} items`);
    return results as VaultOutcome[];
  };
}
