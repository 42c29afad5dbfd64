/**
 * Shell-style globs as Python's fnmatch.fnmatchcase reads them (FTL2's policy files use
 * them): `*` any run, `?` one character, `[seq]` / `[!seq]` a set; case-sensitive, whole
 * string. Pure.
 */
const cache = new Map<string, RegExp>();

function escape(ch: string): string {
  return /[\\^$.*+?()[\]{}|]/.test(ch) ? `\\${ch}` : ch;
}

export function globToRegExp(pattern: string): RegExp {
  const known = cache.get(pattern);
  if (known !== undefined) return known;
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] ?? '';
    if (c === '*') re += '[\\s\\S]*';
    else if (c === '?') re += '[\\s\\S]';
    else if (c === '[') {
      // As fnmatch: a `]` right after `[` or `[!` is part of the set; an unclosed `[` is literal.
      let j = i + 1;
      if (pattern[j] === '!') j++;
      if (pattern[j] === ']') j++;
      while (j < pattern.length && pattern[j] !== ']') j++;
      if (j >= pattern.length) {
        re += '\\[';
        continue;
      }
      let body = pattern.slice(i + 1, j);
      const negate = body.startsWith('!');
      if (negate) body = body.slice(1);
      const set = body.replace(/\\/g, '\\\\').replace(/\^/g, '\\^').replace(/\[/g, '\\[').replace(/\]/g, '\\]');
      re += negate ? `[^${set}]` : `[${set}]`;
      i = j;
    } else re += escape(c);
  }
  const compiled = new RegExp(`^${re}$`, 'u');
  cache.set(pattern, compiled);
  return compiled;
}

export function fnmatch(name: string, pattern: string): boolean {
  return globToRegExp(pattern).test(name);
}

/** Whether the pattern has glob characters at all. */
export function isGlob(pattern: string): boolean {
  return /[*?[]/.test(pattern);
}
