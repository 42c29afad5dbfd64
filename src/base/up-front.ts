/**
 * -k / -K / --ask-vault-pass: passwords asked once before anything runs (the vault one
 * before the inventory is read), as ansible's --ask-pass, --ask-become-pass and --ask-vault-pass.
 */
export interface UpFrontOptions {
  askPass?: boolean;
  askBecomePass?: boolean;
  askVaultPass?: boolean;
}

export interface UpFrontPasswords {
  sshPassword?: string;
  becomePassword?: string;
  vaultPassword?: string;
}

export async function askUpFront(o: UpFrontOptions, read: (prompt: string) => Promise<string>): Promise<UpFrontPasswords> {
  const out: UpFrontPasswords = {};
  // Ansible's prompt, word for word (wrappers such as AWX wait for it).
  if (o.askVaultPass === true) out.vaultPassword = await read('Vault password: ');
  if (o.askPass === true) out.sshPassword = await read('SSH password: ');
  if (o.askBecomePass === true) {
    // Ansible's rule: an empty answer means the same as the SSH password.
    const become = await read(out.sshPassword === undefined ? 'BECOME password: ' : 'BECOME password[defaults to SSH password]: ');
    out.becomePassword = become === '' && out.sshPassword !== undefined ? out.sshPassword : become;
  }
  return out;
}
