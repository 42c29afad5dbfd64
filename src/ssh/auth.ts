import { readFileSync } from 'node:fs';
import ssh2 from 'ssh2';
import type { AnyAuthMethod } from 'ssh2';
import type { SshTarget } from './target.js';

/** The login methods to try, in order, and what they were in words for an error message. */
export interface AuthPlan {
  readonly methods: AnyAuthMethod[];
  readonly tried: string[];
}

/** Keys first (the target's own files only), then the agent, then a password: what the target itself offers, nothing else. */
export function authPlan(target: SshTarget): AuthPlan {
  const methods: AnyAuthMethod[] = [];
  const tried: string[] = target.missingKeyFiles.map((f) => `key ${f} (no such file)`);
  for (const file of target.identityFiles) {
    let key: Buffer;
    try {
      key = readFileSync(file);
    } catch (e) {
      tried.push(`key ${file} (unreadable: ${(e as NodeJS.ErrnoException).code ?? 'error'})`);
      continue;
    }
    const parsed = ssh2.utils.parseKey(key);
    if (parsed instanceof Error) {
      tried.push(`key ${file} (${/passphrase/i.test(parsed.message) ? 'encrypted; add it to ssh-agent' : 'not a key ssh2 can read'})`);
      continue;
    }
    methods.push({ type: 'publickey', username: target.user, key });
    tried.push(`key ${file}`);
  }
  if (target.agentSocket !== undefined) {
    methods.push({ type: 'agent', username: target.user, agent: target.agentSocket });
    tried.push('ssh-agent');
  }
  if (target.password !== undefined) {
    methods.push({ type: 'password', username: target.user, password: target.password });
    tried.push('password');
  }
  return { methods, tried };
}
