import { UsageError } from '../base/errors.js';

/**
 * Module args as `ansible -a` reads them (ansible/parsing/splitter.py): words split on
 * spaces and newlines but kept together inside quotes and `{{ }}` / `{% %}` / `{# #}`,
 * `k=v` words become options (outer quotes of the value dropped, `\n`-style escapes
 * decoded), and the other words are the free-form text (`_raw_params`), spacing kept.
 */

/** Modules whose free-form text is the point (Ansible's MODULE_REQUIRE_ARGS). */
const FREE_FORM_SHORT = ['command', 'shell', 'raw', 'script', 'win_command', 'win_shell'];
/** The options those modules still take as k=v among free-form words (parse_kv's list). */
const FREE_FORM_OPTIONS: ReadonlySet<string> = new Set(['creates', 'removes', 'chdir', 'executable', 'warn', 'stdin', 'stdin_add_newline', 'strip_empty_ends']);
/** ftl's positional form also takes cmd= (`ftl run web command cmd=uptime`), which -a, as ansible's, does not. */
const POSITIONAL_FREE_FORM_OPTIONS: ReadonlySet<string> = new Set([...FREE_FORM_OPTIONS, 'cmd']);

export function isFreeFormModule(module: string): boolean {
  const short = module.replace(/^ansible\.(builtin|legacy)\./, '').replace(/^ansible\.windows\./, '');
  return FREE_FORM_SHORT.includes(short);
}

/** Which quote is still open at the end of a word (a quote after a backslash does not count). */
function quoteAfter(word: string, open: string | undefined): string | undefined {
  let q = open;
  for (let i = 0; i < word.length; i++) {
    const c = word[i];
    if ((c === '"' || c === "'") && word[i - 1] !== '\\') {
      if (q === undefined) q = c;
      else if (c === q) q = undefined;
    }
  }
  return q;
}

function depthAfter(word: string, depth: number, open: string, close: string): number {
  const opened = word.split(open).length - 1;
  const closed = word.split(close).length - 1;
  return opened === closed ? depth : Math.max(0, depth + opened - closed);
}

/** The words of an argument string, as Ansible's split_args makes them. */
export function splitArgs(text: string): string[] {
  const params: string[] = [];
  const lines = text.split('\n');
  let quote: string | undefined;
  let print = 0;
  let block = 0;
  let comment = 0;
  const appendToLast = (s: string): void => {
    const last = params.pop();
    if (last === undefined) throw new UsageError('FTL_USAGE', `cannot split the module args '${text}'`);
    params.push(last + s);
  };
  for (const [lineIdx, line] of lines.entries()) {
    const tokens = line.split(' ');
    let continued = false;
    for (const [idx, token] of tokens.entries()) {
      // Runs of spaces are kept, so free-form text keeps its spacing.
      if (token === '' && idx !== 0) {
        appendToLast(' ');
        continue;
      }
      const inQuotesBefore = quote !== undefined;
      if (token === '\\' && !inQuotesBefore) {
        continued = true;
        continue;
      }
      quote = quoteAfter(token, quote);
      const inQuotes = quote !== undefined;
      let appended = false;
      const inBlock = print > 0 || block > 0 || comment > 0;
      if (inQuotes && !inQuotesBefore && !inBlock) {
        params.push(token);
        appended = true;
      } else if (inBlock || inQuotes || inQuotesBefore) {
        if (idx === 0 && inQuotesBefore) appendToLast(token);
        else if (tokens.length > 1) appendToLast(`${idx > 0 ? ' ' : ''}${token}`);
        else appendToLast(`\n${token}`);
        appended = true;
      }
      for (const [open, close, which] of [['{{', '}}', 'print'], ['{%', '%}', 'block'], ['{#', '#}', 'comment']] as const) {
        const before = which === 'print' ? print : which === 'block' ? block : comment;
        const after = depthAfter(token, before, open, close);
        if (which === 'print') print = after;
        else if (which === 'block') block = after;
        else comment = after;
        if (after !== before && !appended) {
          params.push(token);
          appended = true;
        }
      }
      if (print === 0 && block === 0 && comment === 0 && !inQuotes && !appended && token !== '') params.push(token);
    }
    if (lines.length > 1 && lineIdx !== lines.length - 1 && !continued) appendToLast('\n');
  }
  if (print > 0 || block > 0 || comment > 0 || quote !== undefined) {
    throw new UsageError('FTL_USAGE', `unbalanced quotes or {{ }} in the module args: ${text}`, { hint: "quote the whole value, e.g. -a 'msg=\"a b\"'" });
  }
  return params;
}

const SIMPLE_ESCAPES: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

/** Backslash escapes decoded as Python's unicode-escape does for the forms Ansible picks out. */
function decodeEscapes(s: string): string {
  return s.replace(/\\(U[0-9a-fA-F]{8}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|[\\'"abfnrtv])/g, (m, e: string) => {
    const simple = SIMPLE_ESCAPES[e];
    if (simple !== undefined) return simple;
    const code = Number.parseInt(e.slice(1), 16);
    return code <= 0x10ffff ? String.fromCodePoint(code) : m;
  });
}

/** Ansible's unquote: one pair of matching outer quotes, unless the closing one is escaped. */
function unquote(s: string): string {
  const first = s[0];
  return s.length > 1 && (first === '"' || first === "'") && s.endsWith(first) && s[s.length - 2] !== '\\' ? s.slice(1, -1) : s;
}

/** Where a word's key ends: the first `=` after its first character that no backslash escapes. */
function equalsAt(word: string): number {
  for (let pos = word.indexOf('=', 1); pos > 0; pos = word.indexOf('=', pos + 1)) {
    if (word[pos - 1] !== '\\') return pos;
  }
  return -1;
}

/**
 * Options from words already split (by splitArgs, or by the shell for positional words).
 * With freeForm (command, shell, raw, script), only their own options are k=v; other
 * words with `=` stay in the command text, as in Ansible.
 */
export function kvFromWords(words: readonly string[], freeForm: boolean, optionKeys: ReadonlySet<string> = FREE_FORM_OPTIONS): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  const raw: string[] = [];
  for (const word of words) {
    const x = decodeEscapes(word);
    const pos = equalsAt(x);
    if (pos < 0) {
      raw.push(x.includes('=') ? x.replaceAll('\\=', '=') : word);
      continue;
    }
    const key = x.slice(0, pos);
    if (freeForm && !optionKeys.has(key)) raw.push(word);
    else options[key.trim()] = unquote(x.slice(pos + 1).trim());
  }
  if (raw.length > 0) options._raw_params = joinWords(raw);
  return options;
}

/** Ansible's join_args: words joined by spaces, except after a word that ends a line. */
function joinWords(words: readonly string[]): string {
  let out = '';
  for (const w of words) out += out === '' || out.endsWith('\n') ? w : ` ${w}`;
  return out;
}

/** `-a` as ansible's parse_kv reads it. */
export function parseKv(text: string, freeForm: boolean): Record<string, unknown> {
  return kvFromWords(splitArgs(text), freeForm);
}

/**
 * One `-a` (or `--args`) value: a JSON object when it is written as one (as ansible
 * accepts), else key=value words and free-form text. Text in braces that is not JSON is
 * free-form text for command and shell (`{ a; b; }`, `{{ cmd }}`), as in ansible; for
 * other modules it can only be broken JSON, and saying so beats ansible's "extra params".
 */
export function parseModuleArgs(text: string, freeForm: boolean, what = '-a'): Record<string, unknown> {
  if (text.startsWith('{') && text.endsWith('}')) {
    try {
      const parsed: unknown = JSON.parse(text.trim());
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
    } catch (e) {
      if (!freeForm) {
        throw new UsageError('FTL_USAGE', `${what} looks like JSON but is not valid: ${(e as Error).message}`, { hint: `e.g. ${what} '{"name": "nginx"}', or key=value words` });
      }
    }
  }
  return parseKv(text, freeForm);
}

export interface CliModuleArgs {
  /** --args: JSON object (or, as ansible's own --args, key=value words). */
  json?: string | undefined;
  /** -a / --module-args: ansible's string. */
  moduleArgs?: string | undefined;
  /** Positional words after the module name, each one word as the shell split them. */
  words?: readonly string[] | undefined;
}

/**
 * The module args of `ftl run`: --args, then -a, then positional words, later ones
 * winning per key; free-form text from several places is joined in that order.
 */
export function cliModuleArgs(module: string, given: CliModuleArgs): Record<string, unknown> {
  const freeForm = isFreeFormModule(module);
  const parts: Record<string, unknown>[] = [];
  if (given.json !== undefined) parts.push(parseModuleArgs(given.json, freeForm, '--args'));
  if (given.moduleArgs !== undefined) parts.push(parseModuleArgs(given.moduleArgs, freeForm));
  if (given.words !== undefined && given.words.length > 0) parts.push(kvFromWords(given.words, freeForm, POSITIONAL_FREE_FORM_OPTIONS));
  const out: Record<string, unknown> = {};
  const raw: string[] = [];
  for (const p of parts) {
    const { _raw_params: r, ...rest } = p;
    Object.assign(out, rest);
    if (typeof r === 'string' && r !== '') raw.push(r);
    else if (r !== undefined) out._raw_params = r;
  }
  if (raw.length > 0) out._raw_params = raw.join(' ');
  if (!freeForm && typeof out._raw_params === 'string') {
    throw new UsageError('FTL_USAGE', `${module} takes key=value args, not free-form text ('${out._raw_params}')`, {
      hint: `free-form text is for command, shell, raw and script; .doc ${module} lists its options`,
    });
  }
  return out;
}
