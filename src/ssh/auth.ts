import { createPrivateKey } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import ssh2 from 'ssh2';
import type { ParsedKey } from 'ssh2';
import type { AnyAuthMethod, AuthHandlerMiddleware, AuthenticationType, KeyboardInteractiveCallback, Prompt } from 'ssh2';
import { identityPublicBlob, OnlyTheseAgentKeys } from './agent-keys.js';
import type { SshTarget } from './target.js';

/** The login methods to try, in order, and what they were in words for an error message. */
export interface AuthPlan {
  readonly methods: AnyAuthMethod[];
  readonly tried: string[];
}

/**
 * Parsed keys by file, while the file stays the same (device, inode, size, mtime); for a key
 * ftl cannot use itself, its public half (base64, null when none is found) once IdentitiesOnly asks.
 */
const identities = new Map<string, { stamp: string; key: ParsedKey | string; publicBlob?: string | null }>();

/**
 * A key file, read and parsed once for every host that uses it (not once per connection:
 * thousands of hosts share one key), or why it cannot be used. ssh2 takes the parsed key
 * as it is, so all connections share one key object.
 */
function readIdentity(file: string): ParsedKey | string {
  let stamp: string;
  try {
    const st = statSync(file);
    stamp = `${String(st.dev)}:${String(st.ino)}:${String(st.size)}:${String(st.mtimeMs)}`;
  } catch (e) {
    return `unreadable: ${(e as NodeJS.ErrnoException).code ?? 'error'}`;
  }
  const known = identities.get(file);
  if (known?.stamp === stamp) return known.key;
  let key: ParsedKey | string;
  try {
    const parsed = ssh2.utils.parseKey(readFileSync(file));
    const one = Array.isArray(parsed) ? (parsed as ParsedKey[])[0] : parsed;
    key = one === undefined ? 'not a key ssh2 can read' : one instanceof Error ? (/passphrase/i.test(one.message) ? 'encrypted; add it to ssh-agent' : 'not a key ssh2 can read') : signingWithKeyObject(one);
  } catch (e) {
    key = `unreadable: ${(e as NodeJS.ErrnoException).code ?? 'error'}`;
  }
  identities.set(file, { stamp, key });
  return key;
}

/**
 * ssh2 keeps a private key as PEM text and hands that text to crypto.sign for every
 * signature, so OpenSSL decodes the key again each time: about 1.5 ms, fifteen times the
 * ED25519 signature itself, paid once per host on a fleet's first call. The key is decoded
 * once here and the KeyObject put where ssh2 keeps the PEM; ssh2 only passes that value to
 * crypto.sign or Sign.sign (both take a KeyObject) and compares it with null. If ssh2's
 * layout is not the one expected, the key is left as ssh2 made it.
 */
function signingWithKeyObject(key: ParsedKey): ParsedKey {
  const holder = key as unknown as Record<symbol, unknown>;
  const slot = Object.getOwnPropertySymbols(key).find((s) => s.description === 'Private key PEM');
  const pem = slot === undefined ? undefined : holder[slot];
  if (slot === undefined || typeof pem !== 'string') return key;
  try {
    holder[slot] = createPrivateKey(pem);
  } catch {
    // ssh2 reads this key and OpenSSL does not: keep ssh2's own way.
  }
  return key;
}

/**
 * Under IdentitiesOnly, the agent's keys that belong to identity files ftl could not use
 * itself (a passphrase): as ssh does. Keys ftl read from their files are offered once, not
 * again through the agent (each refused offer counts against the server's MaxAuthTries).
 */
function identitiesOnlyAgent(socket: string, unusable: readonly string[]): OnlyTheseAgentKeys | undefined {
  const allowed = new Set<string>();
  for (const file of unusable) {
    // Found once per key file, as its private half is: not again for every host's connection.
    const entry = identities.get(file);
    if (entry !== undefined && entry.publicBlob === undefined) entry.publicBlob = identityPublicBlob(file)?.toString('base64') ?? null;
    const blob = entry === undefined ? identityPublicBlob(file)?.toString('base64') : entry.publicBlob;
    if (typeof blob === 'string') allowed.add(blob);
  }
  return allowed.size === 0 ? undefined : new OnlyTheseAgentKeys(socket, allowed);
}

/** Keys first (the target's own files only), then the agent, then a password: what the target itself offers, nothing else. */
export function authPlan(target: SshTarget): AuthPlan {
  const methods: AnyAuthMethod[] = [];
  const tried: string[] = target.missingKeyFiles.map((f) => `key ${f} (no such file)`);
  const unusable: string[] = [];
  for (const file of target.identityFiles) {
    const key = readIdentity(file);
    if (typeof key === 'string') {
      tried.push(`key ${file} (${key})`);
      unusable.push(file);
      continue;
    }
    methods.push({ type: 'publickey', username: target.user, key });
    tried.push(`key ${file}`);
  }
  if (target.agentSocket !== undefined && target.identitiesOnly !== true) {
    methods.push({ type: 'agent', username: target.user, agent: target.agentSocket });
    tried.push('ssh-agent');
  } else if (target.agentSocket !== undefined) {
    const agent = identitiesOnlyAgent(target.agentSocket, unusable);
    if (agent !== undefined) {
      methods.push({ type: 'agent', username: target.user, agent });
      tried.push(`ssh-agent (IdentitiesOnly: the keys of ${unusable.join(', ')})`);
    }
  }
  if (target.password !== undefined) {
    methods.push({ type: 'password', username: target.user, password: target.password });
    tried.push('password');
  }
  return { methods, tried };
}

/** A keyboard-interactive prompt that asks for the login password (sshd with PAM says "Password: "). */
export function isPasswordPrompt(text: string): boolean {
  return /pass(word|phrase)?\b|passwort|mot de passe|contrase/i.test(text) && !/(new|again|retype|verif|one.time|otp|code|token)/i.test(text);
}

/** The prompt as a key for answers: the text without the trailing colon and blanks some servers vary. */
export function promptKey(text: string): string {
  return text.trim().replace(/:\s*$/, '').trim();
}

/** What one login attempt learned: what the server accepts, and the keyboard-interactive prompts nobody could answer. */
export interface AuthSession {
  readonly handler: AuthHandlerMiddleware;
  /** The methods the server said can continue, once it said (after the first refusal); undefined until then. */
  accepts(): readonly AuthenticationType[] | undefined;
  /** Keyboard-interactive prompt texts with no known answer (in the server's order). */
  unanswered(): readonly string[];
}

/** Which of the server's method names a planned method is. */
function methodName(m: AnyAuthMethod): AuthenticationType {
  return m.type === 'agent' ? 'publickey' : m.type;
}

/**
 * ssh2's authHandler for a plan: offers the planned methods in order, skips those the
 * server has said it does not take (no password sent to a keys-only server), and records
 * what it takes. With nothing but prompts to offer it asks with "none" first, only to learn that. A password
 * also answers keyboard-interactive password prompts; other prompts are answered from
 * `answers` (by prompt text), or recorded as unanswered so the caller can ask for them.
 */
export function authSession(target: SshTarget, plan: AuthPlan, answers: ReadonlyMap<string, string> = new Map()): AuthSession {
  let accepts: AuthenticationType[] | undefined;
  const unanswered: string[] = [];
  const queue: AnyAuthMethod[] = [...plan.methods];
  const answerFor = (p: Prompt): string | undefined => answers.get(promptKey(p.prompt)) ?? (isPasswordPrompt(p.prompt) ? target.password : undefined);
  // Last, and only where the server takes it: its prompts are answered, or recorded for the caller to ask.
  {
    queue.push({
      type: 'keyboard-interactive',
      username: target.user,
      prompt: (_name: string, _instructions: string, _lang: string, prompts: Prompt[], finish: KeyboardInteractiveCallback) => {
        const given = prompts.map(answerFor);
        for (const [i, a] of given.entries()) if (a === undefined) unanswered.push(prompts[i]?.prompt ?? '');
        finish(given.map((a) => a ?? ''));
      },
    });
  }
  let first = true;
  const handler: AuthHandlerMiddleware = (authsLeft, _partial, next) => {
    // ssh2 gives null before the first attempt, though its types say otherwise.
    const left = authsLeft as AuthenticationType[] | null;
    if (left !== null) accepts = [...left];
    // Prompts are answered only where the server takes them: with nothing else to offer, learn that first.
    if (first && (queue.length === 0 || queue[0]?.type === 'keyboard-interactive')) {
      first = false;
      next({ type: 'none', username: target.user });
      return;
    }
    first = false;
    for (;;) {
      const m = queue.shift();
      if (m === undefined) {
        (next as unknown as (a: false) => void)(false);
        return;
      }
      if (accepts === undefined || accepts.includes(methodName(m))) {
        next(m);
        return;
      }
    }
  };
  return { handler, accepts: () => accepts, unanswered: () => unanswered };
}
