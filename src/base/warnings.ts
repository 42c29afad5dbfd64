/**
 * Things a user should know that are not errors: a gate that was damaged and replaced, an
 * ssh option ftl cannot honour. Each distinct warning is said once per session; where it
 * goes (stderr, the REPL above its prompt, a script's own handler) is the caller's choice.
 */
export interface Warning {
  readonly host?: string | undefined;
  readonly message: string;
}

export type WarningSink = (w: Warning) => void;

/** The default sink: one line on stderr. */
export function stderrSink(w: Warning): void {
  process.stderr.write(`ftl: warning: ${w.host === undefined ? '' : `${w.host}: `}${w.message}\n`);
}

export class Warnings {
  private readonly said = new Set<string>();

  constructor(private sink: WarningSink = stderrSink) {}

  /** Where later warnings go (the REPL routes them around its prompt). */
  setSink(sink: WarningSink): void {
    this.sink = sink;
  }

  /** Says the warning unless the same one (host and text) was said already; `key` groups variants into one. */
  warn(w: Warning, key = `${w.host ?? ''}\0${w.message}`): void {
    if (this.said.has(key)) return;
    this.said.add(key);
    this.sink(w);
  }
}
