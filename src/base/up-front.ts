/** -k / -K: passwords asked once before anything runs, as ansible's --ask-pass and --ask-become-pass. */
export interface UpFrontOptions {
  askPass?: boolean;
  askBecomePass?: boolean;
}

export interface UpFrontPasswords {
  sshPassword?: string;
  becomePassword?: string;
}

export async function askUpFront(o: UpFrontOptions, read: (prompt: string) => Promise<string>): Promise<UpFrontPasswords> {
  const out: UpFrontPasswords = {};
  if (o.askPass === true) out.sshPassword = await read('SSH password: ');
  if (o.askBecomePass === true) {
    // Ansible's rule: an empty answer means the same as the SSH password.
    const become = await read(out.sshPassword === undefined ? 'BECOME password: ' : 'BECOME password[defaults to SSH password]: ');
    out.becomePassword = become === '' && out.sshPassword !== undefined ? out.sshPassword : become;
  }
  return out;
}
