/**
 * Tab completion for ftl's REPL, pure: it parses the text before the cursor and
 * asks a CompletionSource for names. Returns undefined where it has nothing to
 * say, so node's own completer can take over (plain JavaScript).
 */
export interface CompletionSource {
  /** Names after `ftl.`: targets as identifiers (web_01 for web-01), 'local', and the object's members. */
  rootNames(): string[];
  /** After `ftl.<target>.` and any namespace segments: module short names and namespace parts (and, right after the target, its own members: hosts, watch, metrics...). */
  moduleNames(namespace: readonly string[]): string[];
  /** Option names (and aliases) of a module, or undefined when unknown. */
  optionNames(module: string): string[] | undefined;
  /** Allowed values of a module option, or undefined. */
  optionChoices(module: string, option: string): string[] | undefined;
  dotCommands(): string[];
  /** Completions for a dot-command's argument. */
  dotArgs(command: string, partial: string): string[];
}

export type Completion = [string[], string];

const IDENT = String.raw`[A-Za-z_$][\w$]*`;
// ftl, then .name or ['pattern'] segments
const CHAIN = String.raw`\bftl((?:\.${IDENT}|\[\s*(?:'[^']*'|"[^"]*")\s*\])*)`;
const CHAIN_DOT = new RegExp(`${CHAIN}\\.(${IDENT})?$`);
const CALL_OPEN = new RegExp(`${CHAIN}\\.(${IDENT})\\(\\s*\\{([^(){}]*)$`);

function segments(chain: string): string[] {
  const out: string[] = [];
  const re = new RegExp(`\\.(${IDENT})|\\[\\s*(?:'([^']*)'|"([^"]*)")\\s*\\]`, 'g');
  for (const m of chain.matchAll(re)) out.push(m[1] ?? m[2] ?? m[3] ?? '');
  return out;
}

function filter(names: Iterable<string>, partial: string): string[] {
  const seen = new Set<string>();
  for (const n of names) if (n.startsWith(partial)) seen.add(n);
  return [...seen].sort();
}

/** The module whose call's object literal the line ends inside, e.g. 'dnf' for `ftl.web.dnf({ na`. */
export function moduleOfOpenCall(line: string): string | undefined {
  const call = CALL_OPEN.exec(line);
  if (call === null) return undefined;
  const [, chain = '', moduleShort = ''] = call;
  return [...segments(chain).slice(1), moduleShort].join('.');
}

export function complete(line: string, src: CompletionSource): Completion | undefined {
  const dot = /^\s*\.(\w*)$/.exec(line);
  if (dot !== null) {
    const partial = dot[1] ?? '';
    return [filter(src.dotCommands(), partial).map((c) => `.${c}`), `.${partial}`];
  }
  const dotArg = /^\s*\.(\w+)\s+(\S*)$/.exec(line);
  if (dotArg !== null) {
    const partial = dotArg[2] ?? '';
    return [filter(src.dotArgs(dotArg[1] ?? '', partial), partial), partial];
  }

  const call = CALL_OPEN.exec(line);
  if (call !== null) {
    const [, chain = '', moduleShort = '', inside = ''] = call;
    const segs = segments(chain);
    const module = [...segs.slice(1), moduleShort].join('.');
    const value = /(\w+)\s*:\s*(['"])([^'"]*)$/.exec(inside);
    if (value !== null) {
      const [, option = '', , partial = ''] = value;
      const choices = src.optionChoices(module, option);
      return choices === undefined ? [[], partial] : [filter(choices, partial), partial];
    }
    const name = /(?:^|,)\s*(\w*)$/.exec(inside);
    if (name !== null) {
      const partial = name[1] ?? '';
      const given = new Set([...inside.matchAll(/(\w+)\s*:/g)].map((m) => m[1]));
      const options = src.optionNames(module);
      if (options === undefined) return [[], partial];
      return [filter(options.filter((o) => !given.has(o)), partial), partial];
    }
    return [[], ''];
  }

  const chained = CHAIN_DOT.exec(line);
  if (chained !== null) {
    const segs = segments(chained[1] ?? '');
    const partial = chained[2] ?? '';
    if (segs.length === 0) return [filter(src.rootNames(), partial), partial];
    return [filter(src.moduleNames(segs.slice(1)), partial), partial];
  }
  return undefined;
}
