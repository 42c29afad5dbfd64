import { resolve as resolvePath } from 'node:path';
import { UsageError } from '../base/errors.js';
import type { VaultPasswords } from '../hosts/vault.js';
import type { AutomationOptions } from './automation-options.js';

/** Ansible's name for a vault secret given without a label. */
const DEFAULT_ID = 'default';

function slug(id: string, cwd: string, from: string): string {
  const at = id.indexOf('@');
  const [label, file] = at < 0 ? [DEFAULT_ID, id] : [id.slice(0, at) || DEFAULT_ID, id.slice(at + 1)];
  if (file === 'prompt' || file === 'prompt_ask_vault_pass') {
    throw new UsageError('FTL_USAGE', `${from} ${id}: ftl asks for a vault password with --ask-vault-pass, not a prompt vault id`, { hint: '--ask-vault-pass, or a password file: --vault-id LABEL@FILE' });
  }
  if (file === '') throw new UsageError('FTL_USAGE', `${from} ${id} names no file`, { hint: 'e.g. --vault-id prod@~/.vault-prod or --vault-password-file FILE' });
  return `${label}@${resolvePath(cwd, file)}`;
}

/**
 * Where the session's vault passwords come from, as Ansible gathers them: --vault-id,
 * --vault-password-file (and ansible.cfg's vault_password_file, given as one), then
 * ANSIBLE_VAULT_IDENTITY_LIST and ANSIBLE_VAULT_PASSWORD_FILE; the password asked for by
 * --ask-vault-pass (or given to automation()) last. Each file once.
 */
export function vaultPasswords(opts: AutomationOptions, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): VaultPasswords {
  const ids: string[] = [];
  const add = (id: string, from: string): void => {
    const s = slug(id, cwd, from);
    if (!ids.includes(s)) ids.push(s);
  };
  for (const id of opts.vaultIds ?? []) add(id, '--vault-id');
  // A password file's name may hold an @: it is never a label here.
  for (const f of opts.vaultPasswordFiles ?? []) add(`${DEFAULT_ID}@${f}`, '--vault-password-file');
  for (const id of (env.ANSIBLE_VAULT_IDENTITY_LIST ?? '').split(',').map((s) => s.trim())) if (id !== '') add(id, 'ANSIBLE_VAULT_IDENTITY_LIST');
  const file = env.ANSIBLE_VAULT_PASSWORD_FILE;
  if (file !== undefined && file !== '') add(`${DEFAULT_ID}@${file}`, 'ANSIBLE_VAULT_PASSWORD_FILE');
  const passwords = opts.vaultPassword === undefined || opts.vaultPassword === '' ? [] : [{ password: opts.vaultPassword }];
  return { ids, passwords };
}
