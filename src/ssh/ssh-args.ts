import type { HostFacts } from '../base/types.js';

/** -o options of ansible_ssh_common_args / ansible_ssh_extra_args that ftl acts on. */
const HONOURED = new Set([
  'userknownhostsfile',
  'stricthostkeychecking',
  'proxyjump',
  'proxycommand',
  'connecttimeout',
  'identitiesonly',
  'identityagent',
  'hashknownhosts',
]);

/**
 * Options that need nothing from ftl: connection sharing (ftl pools its own connections),
 * keepalives (ftl sends its own), logging and terminal settings, and the choice of login
 * methods Ansible itself passes (ftl offers keys, the agent, then a password).
 */
const NOTHING_TO_DO = new Set([
  'controlmaster',
  'controlpath',
  'controlpersist',
  'serveraliveinterval',
  'serveralivecountmax',
  'tcpkeepalive',
  'loglevel',
  'batchmode',
  'compression',
  'requesttty',
  'checkhostip',
  'updatehostkeys',
  'visualhostkey',
  'preferredauthentications',
  'passwordauthentication',
  'pubkeyauthentication',
  'kbdinteractiveauthentication',
  'gssapiauthentication',
  'numberofpasswordprompts',
  'forwardx11',
  'sendenv',
]);

/** Flags with nothing to do for the same reasons: compression, quiet, verbose, tty and stdin choices. */
const FLAGS_NOTHING_TO_DO = new Set(['-C', '-q', '-v', '-T', '-t', '-n', '-x', '-a', '-k']);

/** What the inventory's ssh arguments set that ftl does not honour, as written (`-o ForwardAgent=yes`, `-A`, `-L 8080:x:80`). */
export function sshArgsIgnored(facts: HostFacts): string[] {
  const out: string[] = [];
  for (const [name, value] of Object.entries(facts.sshOptions ?? {})) {
    if (!HONOURED.has(name) && !NOTHING_TO_DO.has(name)) out.push(`-o ${name}=${value}`);
  }
  for (const f of facts.sshFlags ?? []) if (!FLAGS_NOTHING_TO_DO.has(f)) out.push(f);
  return [...new Set(out)];
}
