import { shellWords, shq } from '../base/shell.js';
import type { BecomeSpec } from '../base/types.js';

/**
 * The command lines that run something as another user, as Ansible's sudo and su become
 * plugins build them, and how to spot each one asking for its password.
 */

/** Our own sudo prompt (-p): never a locale's wording, never mistaken for output. */
export const BECOME_PROMPT = '[ftl-sudo-prompt@@]';

/** The words su says "Password" with, in the locales Ansible's su plugin knows. */
const SU_PROMPT_WORDS = [
  'Password', '암호', 'パスワード', 'Adgangskode', 'Contraseña', 'Contrasenya', 'Hasło', 'Heslo', 'Jelszó', 'Lösenord', 'Mật khẩu',
  'Mot de passe', 'Parola', 'Parool', 'Pasahitza', 'Passord', 'Passwort', 'Salasana', 'Sandi', 'Senha', 'Wachtwoord', 'ססמה',
  'Лозинка', 'Парола', 'Пароль', 'गुप्तशब्द', 'शब्दकूट', 'సంకేతపదము', 'හස්පදය', '密码', '密碼', '口令',
];

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** su's prompt as the last thing it printed: at the start of a line, "(user's )Password:" and at most a space. */
const SU_PROMPT = new RegExp(`(?:^|\\n)(?:\\w+'s )?(?:${SU_PROMPT_WORDS.map(escapeRe).join('|')}) ?[:\\uff1a] ?$`, 'iu');

export function methodOf(b: BecomeSpec): 'sudo' | 'su' {
  return b.method ?? 'sudo';
}

/** `sudo -u app` or `su app`: how people would write it, for labels and questions. */
export function becomeLabel(b: BecomeSpec): string {
  return methodOf(b) === 'su' ? `su ${b.user}` : `sudo -u ${b.user}`;
}

/**
 * sudo's flags: ansible_become_flags instead of the default -H, without what ftl decides
 * itself (-n never to ask, or -S and its own -p prompt to answer from stdin), as Ansible
 * drops -n when it has a password.
 */
function sudoFlags(flags: string | undefined): string[] {
  if (flags === undefined) return ['-H'];
  const out: string[] = [];
  const words = shellWords(flags);
  for (let i = 0; i < words.length; i++) {
    const w = words[i] ?? '';
    if (['-n', '--non-interactive', '-S', '--stdin'].includes(w) || w.startsWith('--prompt=')) continue;
    if (w === '-p' || w === '--prompt') {
      i++;
      continue;
    }
    if (/^-[A-Za-z]+$/.test(w)) {
      // -HSn and the like: keep the other letters.
      const rest = w.slice(1).replace(/[nS]/g, '');
      if (rest !== '') out.push(`-${rest}`);
      continue;
    }
    out.push(w);
  }
  return out;
}

/** sudo's arguments up to the command: -n (never ask) without a password, -S (read it from stdin) with one. */
export function sudoArgs(user: string, withPassword: boolean, flags?: string): string[] {
  return ['sudo', ...(withPassword ? ['-S', '-p', BECOME_PROMPT] : ['-n']), ...sudoFlags(flags), '-u', user, '--'];
}

/**
 * The argv that runs `shell -c script` as the become user. su hands its -c text to the
 * user's login shell, which may not be sh: that text only starts sh.
 */
export function becomeArgv(b: BecomeSpec, shell: string, script: string): string[] {
  if (methodOf(b) === 'su') return ['su', ...shellWords(b.flags ?? ''), b.user, '-c', `${shq(shell)} -c ${shq(script)}`];
  return [...sudoArgs(b.user, b.password !== undefined, b.flags), shell, '-c', script];
}

/** Where, in what the become program printed so far, its password prompt is (the first one); undefined: none yet. */
export function findPrompt(method: 'sudo' | 'su', text: string): { at: number; length: number } | undefined {
  if (method === 'sudo') {
    const at = text.indexOf(BECOME_PROMPT);
    return at < 0 ? undefined : { at, length: BECOME_PROMPT.length };
  }
  const m = SU_PROMPT.exec(text);
  if (m === null) return undefined;
  const lead = m[0].startsWith('\n') ? 1 : 0;
  return { at: m.index + lead, length: m[0].length - lead };
}

/**
 * What the become program said, when it did not start the command, that is worth
 * showing: its own error lines (sudo: ..., su: ..., "not in the sudoers", ...).
 */
export function becomeComplaint(method: 'sudo' | 'su', text: string): string {
  const own = method === 'sudo' ? /^sudo:|not in the sudoers|not allowed|incorrect password/i : /^su:|currently not available|must be run from a terminal|authentication failure/i;
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => own.test(l))
    .slice(-2)
    .join(' | ');
}

/** su's word for a wrong password (in English; other locales are told by the exit alone). */
export function suRefusedPassword(text: string): boolean {
  return /authentication failure/i.test(text);
}
