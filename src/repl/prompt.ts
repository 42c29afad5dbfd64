/** The prompt: default target and host count, and loud markers when a call could surprise. */
export interface PromptState {
  readonly target: string;
  readonly hosts: number | undefined;
  readonly check: boolean;
  readonly diff: boolean;
  /** A user, or true: each host's own become user (-b). */
  readonly become: string | true | undefined;
  readonly colors: boolean;
}

const style = (colors: boolean, code: string, text: string): string => (colors ? `\x1b[${code}m${text}\x1b[0m` : text);

export function promptText(s: PromptState): string {
  const count = s.hosts === undefined ? '?' : String(s.hosts);
  const parts = [`ftl ${s.target}(${count})`];
  // Check mode and become change what a call does on production hosts: never subtle.
  if (s.check) parts.push(style(s.colors, '30;43;1', ' CHECK '));
  if (s.become !== undefined) parts.push(style(s.colors, '97;41;1', s.become === true ? ' BECOME ' : ` BECOME ${s.become} `));
  if (s.diff) parts.push(style(s.colors, '36', '[diff]'));
  return `${parts.join(' ')}> `;
}
