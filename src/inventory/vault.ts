/**
 * Ansible Vault in inventories and vars files: `!vault` values and whole encrypted files.
 * Reading YAML is synchronous and decrypting is not (it is Ansible's VaultLib, in the
 * controller's Ansible worker), so a `!vault` value is read as a VaultedValue placeholder,
 * and every placeholder (and every encrypted file) of a load is decrypted in one batch
 * after reading. What the inventory uses is the plaintext; what `ftl inventory` shows is
 * what ansible-inventory shows, `{"__ansible_vault": vaulttext}`. What no password given
 * opens stays sealed and fails only where it is used, as in Ansible: a sealed value in a
 * connection variable or a template (the worker makes Ansible's own vault object of it), a
 * sealed vars file on the hosts whose variables need it.
 */
import { FtlError } from '../base/errors.js';
import { mapDeep } from '../base/map-deep.js';

/** What a vault-encrypted file's text starts with. */
export const VAULT_HEADER = '$ANSIBLE_VAULT;';

export function isVaultText(text: string): boolean {
  return text.startsWith(VAULT_HEADER);
}

/** A `!vault` value as read: its vaulttext, where it was, and (once decrypted) its plaintext. */
export class VaultedValue {
  /** Line of the value in its file (1-based), when known. */
  line: number | undefined;
  // Private: a placeholder that strays into JSON shows where it came from, never the secret.
  #plaintext: string | undefined;

  /**
   * Why no vault password given opens it, when none does: the value stays sealed, and fails
   * only where it is used (a connection variable, a template), as Ansible's does.
   */
  failure: FtlError | undefined;

  constructor(
    readonly vaulttext: string,
    readonly file: string,
  ) {}

  get decrypted(): boolean {
    return this.#plaintext !== undefined;
  }

  /** Sealed, it goes to the Ansible worker as ansible-inventory prints it, and Ansible's own vault object is made of it there. */
  toJSON(): { __ansible_vault: string } {
    return { __ansible_vault: this.vaulttext };
  }

  get plaintext(): string {
    if (this.#plaintext === undefined) throw new FtlError('FTL_VAULT', `the vault-encrypted value in ${this.where()} was not decrypted`);
    return this.#plaintext;
  }

  set plaintext(value: string) {
    this.#plaintext = value;
  }

  where(): string {
    return this.line === undefined ? this.file : `${this.file} line ${String(this.line)}`;
  }
}

/**
 * `-e @file` of an encrypted file: its variables are known only once it is decrypted, so
 * the -e values are kept as layers (later wins, key by key) next to what they merge to.
 */
export type ExtraVarsLayer = { readonly vars: Readonly<Record<string, unknown>> } | { readonly file: string; readonly vaulttext: string };

const LAYERS = Symbol('ftl.extraVarsLayers');

/** -e values that include an encrypted file: the plain ones merged, and the layers in order. */
export function withLayers(merged: Record<string, unknown>, layers: readonly ExtraVarsLayer[]): Record<string, unknown> {
  return Object.assign(merged, { [LAYERS]: layers });
}

/** The layers of -e values that include an encrypted file; undefined for plain ones. */
export function extraVarsLayers(extra: Readonly<Record<string, unknown>>): ExtraVarsLayer[] | undefined {
  const layers = (extra as { [LAYERS]?: readonly ExtraVarsLayer[] })[LAYERS];
  return layers === undefined ? undefined : [...layers];
}

/** One thing to decrypt: the vaulttext, and a name for Ansible's error messages. */
export interface VaultItem {
  readonly vaulttext: string;
  readonly name: string;
}

export type VaultOutcome = { readonly plaintext: string } | { readonly error: string; readonly reason: 'no-secrets' | 'wrong-password' | 'format' };

/**
 * Decrypts a batch with the session's vault secrets, one outcome per item in order.
 * Rejects (FTL_VAULT) when a password source itself fails: a missing file, a failing script.
 */
export type VaultDecrypt = (items: readonly VaultItem[]) => Promise<readonly VaultOutcome[]>;

/** Where decrypted values go: the session's secrets, masked wherever ftl shows or records anything. */
export interface SecretSink {
  add(value: unknown): void;
}

export const NO_PASSWORD_HINT = 'give the vault password with --vault-password-file FILE or --ask-vault-pass, or set ANSIBLE_VAULT_PASSWORD_FILE';

function isPlain(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Every placeholder in a value, with the variable path it sits at (db.users[0].password). */
export function findVaulted(value: unknown, path: string, out: { value: VaultedValue; path: string }[] = []): { value: VaultedValue; path: string }[] {
  if (value instanceof VaultedValue) out.push({ value, path });
  else if (Array.isArray(value)) value.forEach((v, i) => findVaulted(v, `${path}[${String(i)}]`, out));
  else if (isPlain(value)) for (const [k, v] of Object.entries(value)) findVaulted(v, path === '' ? k : `${path}.${k}`, out);
  return out;
}

/**
 * The value with each placeholder replaced: by its plaintext (what tasks and templates
 * see; a sealed one stays itself), or by `{__ansible_vault: vaulttext}` (what ansible-inventory prints). Containers
 * without placeholders are returned as they are, not copied.
 */
export function replaceVaulted<T>(value: T, how: 'plaintext' | 'display'): T {
  // A sealed value (no password opened it) stays the placeholder: it fails where it is used.
  return mapDeep(value, (v) => (v instanceof VaultedValue ? (how === 'plaintext' ? (v.failure === undefined ? v.plaintext : v) : v.toJSON()) : v), isPlain);
}

/** Every string in a value (an encrypted file's variables are all secrets). */
export function stringsIn(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) stringsIn(v, out);
  else if (isPlain(value)) for (const v of Object.values(value)) stringsIn(v, out);
  return out;
}

/** The error for a failed outcome, naming what could not be decrypted and the fix. */
export function vaultError(what: string, outcome: { error: string; reason: string }): FtlError {
  if (outcome.reason === 'no-secrets') {
    return new FtlError('FTL_VAULT', `${what} is vault-encrypted and no vault password was given`, { hint: NO_PASSWORD_HINT });
  }
  if (outcome.reason === 'wrong-password') {
    return new FtlError('FTL_VAULT', `${what} cannot be decrypted: no vault password given fits it`, {
      hint: 'check the vault password: --vault-password-file, --ask-vault-pass or ANSIBLE_VAULT_PASSWORD_FILE',
    });
  }
  return new FtlError('FTL_VAULT', `${what} cannot be decrypted: ${outcome.error}`, { hint: 'check it was written by ansible-vault (encrypt_string, encrypt)' });
}
