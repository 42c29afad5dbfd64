import { homedir } from 'node:os';
import type { ServerHostKeyAlgorithm } from 'ssh2';
import { SshError } from '../base/errors.js';
import { shq } from '../base/shell.js';
import { checkHostKey, keyTypeName, knownHostName, knownKeyTypes, recordHostKey, type EntryPlace, type HostKeyVerdict } from './known-hosts.js';
import type { SshTarget } from './target.js';

const RSA_ALGOS: ServerHostKeyAlgorithm[] = ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];
/** ssh2's own order of host key algorithms (its default list). */
const DEFAULT_ORDER: ServerHostKeyAlgorithm[] = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', ...RSA_ALGOS];
/** Host key types ssh2 can negotiate (it has no host certificates and no security-key host keys). */
const NEGOTIABLE = new Set(['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'ssh-rsa', 'ssh-dss']);

/**
 * The host key algorithms to offer, those of the types known_hosts has for this host
 * first, as OpenSSH orders them: a host with several keys then presents one we know.
 * An exact list (undefined: ssh2's default), because ssh2's `prepend` skips algorithms
 * its default list has already, which would leave the order as it was.
 */
export function hostKeyAlgorithms(target: SshTarget): ServerHostKeyAlgorithm[] | undefined {
  const types = knownKeyTypes([...target.knownHostsFiles, ...target.globalKnownHostsFiles], target.host, target.port);
  const first = types.filter((t) => NEGOTIABLE.has(t)).flatMap((t) => (t === 'ssh-rsa' ? RSA_ALGOS : [t as ServerHostKeyAlgorithm]));
  if (first.length === 0) return undefined;
  const list = [...new Set([...first, ...DEFAULT_ORDER])];
  // ssh2's own list (an ED25519 host): undefined lets every connection share ssh2's one prebuilt
  // offer instead of building its own (with buffers that pin 8 KiB pool slabs per connection).
  return list.every((a, i) => a === DEFAULT_ORDER[i]) ? undefined : list;
}

/** The command that removes a recorded key, as OpenSSH prints it: `-f` only when the file is not the default one. */
export function removeKeyCommand(name: string, file: string, home = homedir()): string {
  const f = file === `${home}/.ssh/known_hosts` ? '' : ` -f ${shq(file)}`;
  return `ssh-keygen${f} -R ${shq(name)}`;
}

function at(p: EntryPlace): string {
  return `${p.file}:${String(p.lineNo)}`;
}

/** An/a before a key type name: "an ED25519 key", "an RSA key", "a DSA key". */
function article(typeName: string): string {
  return /^[AEFHILMNORSX]/.test(typeName) ? `an ${typeName}` : `a ${typeName}`;
}

/** The refusal for a verdict other than known, in OpenSSH's terms, with the fix. */
export function hostKeyError(target: SshTarget, v: Exclude<HostKeyVerdict, { kind: 'known' }>): SshError {
  const name = knownHostName(target.host, target.port);
  const presented = `${article(keyTypeName(v.type))} key (${v.fingerprint})`;
  const host = target.name;
  switch (v.kind) {
    case 'changed':
      return new SshError(
        'FTL_SSH_HOSTKEY_CHANGED',
        `WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED: ${name} presents ${presented}, but ${at(v.recorded)} records ${article(keyTypeName(v.recorded.type))} key for it; someone may be intercepting the connection (man-in-the-middle), or the host was rebuilt; refused`,
        { host, hint: `if you know the host was rebuilt, remove the old key with ${removeKeyCommand(v.name, v.recorded.file)} and rerun with --accept-new` },
      );
    case 'revoked':
      return new SshError('FTL_SSH_HOSTKEY_CHANGED', `${name} presents ${presented}, which ${at(v.recorded)} marks @revoked; refused`, {
        host,
        hint: 'a revoked key must not be trusted: ask the host\'s administrator for a new host key',
      });
    case 'cert-authority':
      return new SshError(
        'FTL_SSH_HOSTKEY_UNKNOWN',
        `${name} is known only through a @cert-authority line (${at(v.recorded)}), which vouches for host certificates; ftl does not check host certificates, so it cannot vouch for the ${presented} the host presents; refused`,
        { host, hint: `check that fingerprint, then add the host's own key to ${v.recorded.file} (ssh-keyscan ${target.port === 22 ? '' : `-p ${String(target.port)} `}${shq(target.host)}), or connect with --no-host-key-check at your own risk` },
      );
    case 'unknown':
      return new SshError('FTL_SSH_HOSTKEY_UNKNOWN', `${name} presents ${presented}, and ${target.knownHostsFiles[0] ?? 'known_hosts'} has no key for it`, { host, hint: 'check that fingerprint, then rerun with --accept-new to record it' });
  }
}

/**
 * Checks a key the host presents. Returns the refusal, or undefined to go on. Under
 * accept-new only a host with no entry at all is recorded: never a changed key, never
 * one that known_hosts expects a certificate for.
 */
export function verifyHostKey(target: SshTarget, key: Buffer): SshError | undefined {
  if (target.hostKeyPolicy === 'off') return undefined;
  const verdict = checkHostKey([...target.knownHostsFiles, ...target.globalKnownHostsFiles], target.host, target.port, key);
  if (verdict.kind === 'known') return undefined;
  const file = target.knownHostsFiles[0];
  if (verdict.kind === 'unknown' && target.hostKeyPolicy === 'accept-new' && file !== undefined) {
    recordHostKey(file, target.host, target.port, key, { hashed: target.hashKnownHosts });
    return undefined;
  }
  return hostKeyError(target, verdict);
}
