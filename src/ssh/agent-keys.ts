/**
 * IdentitiesOnly as OpenSSH means it: the agent is still asked, but only for the keys of the
 * configured identity files. The usual case is a passphrase-protected key loaded into
 * ssh-agent with `IdentitiesOnly yes` so that the agent's other keys are not offered (and
 * do not use up the server's MaxAuthTries): ssh logs in with it, and so must ftl.
 */
import { readFileSync } from 'node:fs';
import ssh2 from 'ssh2';
import type { IdentityCallback, ParsedKey } from 'ssh2';

const OPENSSH_MAGIC = Buffer.from('openssh-key-v1\0');

/** One SSH wire string (uint32 length, bytes) at `at`; undefined past the end. */
function wireString(buf: Buffer, at: number): { value: Buffer; next: number } | undefined {
  if (at + 4 > buf.length) return undefined;
  const len = buf.readUInt32BE(at);
  if (at + 4 + len > buf.length) return undefined;
  return { value: buf.subarray(at + 4, at + 4 + len), next: at + 4 + len };
}

/**
 * The public half of an OpenSSH private key file, read from its unencrypted header (the
 * format keeps the public keys in clear before the encrypted part): what a passphrase hides
 * is the private key only.
 */
export function publicBlobFromOpenSshKey(text: string): Buffer | undefined {
  const m = /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]*?)-----END OPENSSH PRIVATE KEY-----/.exec(text);
  if (m === null) return undefined;
  const bin = Buffer.from((m[1] ?? '').replace(/\s+/g, ''), 'base64');
  if (!bin.subarray(0, OPENSSH_MAGIC.length).equals(OPENSSH_MAGIC)) return undefined;
  let at = OPENSSH_MAGIC.length;
  // cipher name, kdf name, kdf options
  for (let i = 0; i < 3; i++) {
    const s = wireString(bin, at);
    if (s === undefined) return undefined;
    at = s.next;
  }
  if (at + 4 > bin.length || bin.readUInt32BE(at) < 1) return undefined;
  return wireString(bin, at + 4)?.value;
}

/**
 * The public key (SSH wire form) of an identity file, as ssh finds it without the
 * passphrase: the `.pub` file beside it, else the private key file's own header.
 */
export function identityPublicBlob(file: string): Buffer | undefined {
  try {
    const pub = ssh2.utils.parseKey(readFileSync(`${file}.pub`));
    const one = Array.isArray(pub) ? (pub as ParsedKey[])[0] : pub;
    if (one !== undefined && !(one instanceof Error)) return one.getPublicSSH();
  } catch {
    // no .pub: the key file itself
  }
  try {
    return publicBlobFromOpenSshKey(readFileSync(file, 'latin1'));
  } catch {
    return undefined;
  }
}

/** ssh-agent, offering only the keys whose public half is in `allowed` (base64 of the wire form). */
export class OnlyTheseAgentKeys extends ssh2.OpenSSHAgent {
  constructor(
    socketPath: string,
    private readonly allowed: ReadonlySet<string>,
  ) {
    super(socketPath);
  }

  override getIdentities(cb: IdentityCallback<ParsedKey>): void {
    super.getIdentities((err, keys) => {
      if (err !== null && err !== undefined) {
        cb(err);
        return;
      }
      cb(
        null,
        // OpenSSHAgent gives parsed keys; anything else is not a key this filter can vouch for.
        (keys ?? []).filter((k) => 'getPublicSSH' in k && this.allowed.has(k.getPublicSSH().toString('base64'))),
      );
    });
  }
}
