import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * REPL history in a file (~/.ftl/history), one entry per line, oldest first.
 * Lines that may hold a secret are never written, and are dropped from the
 * in-memory history too so that the up arrow cannot bring them back on screen.
 */
const MAX_ENTRIES = 2000;

// Words that mark a line as holding a secret, besides the no_log options of modules.
const SECRET_WORDS = ['password', 'passwd', 'passphrase', 'secret', 'token', 'api_key', 'apikey', 'private_key', 'become_pass', 'ssh_pass'];

// Words of a name that say secret (pw, pass, token, key, ...), in snake_case or camelCase.
const SECRET_NAME_WORDS = new Set(['pw', 'pwd', 'pass', 'passwd', 'password', 'secret', 'token', 'key', 'apikey', 'cred', 'creds', 'credential', 'credentials', 'auth']);

function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .split(/[_$0-9]+/)
    .filter((w) => w !== '')
    .map((w) => w.toLowerCase());
}

// `name = 'text'`, `name: "text"`, `obj.name = \`text\``: a string literal given to a name.
const STRING_ASSIGNMENT = /([A-Za-z_$][\w$]*)\s*(?:=(?!=)|:)\s*['"`]/g;

/** Whether a line gives a string literal to a name that sounds like a secret: `var pw = '...'`, `{ apiToken: "..." }`. */
function assignsSecretLiteral(line: string): boolean {
  for (const m of line.matchAll(STRING_ASSIGNMENT)) {
    if (m[1] !== undefined && nameWords(m[1]).some((w) => SECRET_NAME_WORDS.has(w))) return true;
  }
  return false;
}

export function holdsSecret(line: string, noLogOptions: ReadonlySet<string> = new Set()): boolean {
  const lower = line.toLowerCase();
  if (SECRET_WORDS.some((w) => lower.includes(w))) return true;
  if (assignsSecretLiteral(line)) return true;
  for (const m of line.matchAll(/([A-Za-z_]\w*)\s*[:=]/g)) {
    if (m[1] !== undefined && noLogOptions.has(m[1])) return true;
  }
  return false;
}

export class HistoryFile {
  constructor(private readonly path: string) {}

  /** Entries, newest first, as node:repl keeps them. */
  load(): string[] {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch {
      return [];
    }
    const lines = text.split('\n').filter((l) => l.trim() !== '');
    if (lines.length > MAX_ENTRIES) {
      const kept = lines.slice(-MAX_ENTRIES);
      this.write(kept);
      return kept.reverse();
    }
    return lines.reverse();
  }

  append(line: string): void {
    if (line.includes('\n') || line.trim() === '') return;
    try {
      mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
      appendFileSync(this.path, `${line}\n`, { mode: 0o600 });
    } catch {
      // History is a convenience; a read-only home must not break the session.
    }
  }

  private write(lines: string[]): void {
    try {
      writeFileSync(this.path, `${lines.join('\n')}\n`, { mode: 0o600 });
    } catch {
      // as above
    }
  }
}
