import { execFileSync } from 'node:child_process';

/** Whether tmux can be used here (the terminal tests drive the REPL through it). */
export function hasTmux(): boolean {
  try {
    execFileSync('tmux', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * A program in a real terminal (a detached tmux session), typed into as a person would.
 * Waits poll the screen with generous limits: the machine may be loaded, and only what
 * ends up on screen is asserted, never how long it took.
 */
export class Terminal {
  private static count = 0;
  readonly name = `ftl-test-${String(process.pid)}-${String(Terminal.count++)}`;

  constructor(command: string, opts: { width?: number; height?: number } = {}) {
    this.tmux('new-session', '-d', '-s', this.name, '-x', String(opts.width ?? 150), '-y', String(opts.height ?? 50), command);
    // Keep the pane (and its last screen) when the program exits, so a test can read it.
    this.tmux('set-option', '-t', this.name, 'remain-on-exit', 'on');
  }

  private tmux(...args: string[]): string {
    return execFileSync('tmux', args, { encoding: 'utf8' });
  }

  /** The whole scrollback, lines joined where the terminal wrapped them. */
  screen(): string {
    return this.tmux('capture-pane', '-p', '-J', '-t', this.name, '-S', '-3000');
  }

  /** What the pane shows now (no scrollback): what a cleared screen no longer has. */
  visible(): string {
    return this.tmux('capture-pane', '-p', '-J', '-t', this.name);
  }

  /** Keys as tmux names them ('Enter', 'Tab', 'C-c') or literal text. */
  keys(...keys: string[]): void {
    this.tmux('send-keys', '-t', this.name, ...keys);
  }

  /** Text typed literally (no key names). */
  type(text: string): void {
    this.tmux('send-keys', '-t', this.name, '-l', text);
  }

  /** Text typed without ever being on a command line (the process list): through a tmux paste buffer fed on stdin. */
  typeSecret(text: string): void {
    execFileSync('tmux', ['load-buffer', '-b', this.name, '-'], { input: text });
    this.tmux('paste-buffer', '-d', '-b', this.name, '-t', this.name);
  }

  /** The pid of the program in the pane. */
  pid(): number {
    return Number.parseInt(this.tmux('display-message', '-p', '-t', this.name, '#{pane_pid}').trim(), 10);
  }

  exited(): boolean {
    return this.tmux('display-message', '-p', '-t', this.name, '#{pane_dead}').trim() === '1';
  }

  /** Where the screen ends now (the line the cursor is on): waitFor({ since }) looks only from there on. */
  mark(): number {
    return Math.max(0, this.screen().trimEnd().split('\n').length - 1);
  }

  async waitFor(re: RegExp, opts: { timeoutMs?: number; since?: number } = {}): Promise<string> {
    const t0 = Date.now();
    const timeoutMs = opts.timeoutMs ?? 60_000;
    for (;;) {
      const all = this.screen();
      const s = opts.since === undefined ? all : all.split('\n').slice(opts.since).join('\n');
      if (re.test(s)) return s;
      if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${String(re)}; screen:\n${all}`);
      await sleep(100);
    }
  }

  /** Waits until fn is true (process lists and the like), or throws with what it says. */
  static async until(what: string, fn: () => boolean, timeoutMs = 30_000): Promise<void> {
    const t0 = Date.now();
    while (!fn()) {
      if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting until ${what}`);
      await sleep(100);
    }
  }

  /**
   * Presses Tab until the screen shows what completion should give. readline lists the
   * candidates on a second Tab, and a Tab pressed while the first is still being
   * answered (a loaded machine) is lost: so press, look, press again.
   */
  async tabUntil(re: RegExp, since?: number, tries = 8): Promise<string> {
    for (let i = 0; ; i++) {
      this.keys('Tab');
      try {
        return await this.waitFor(re, { timeoutMs: 3000, ...(since === undefined ? {} : { since }) });
      } catch (e) {
        if (i >= tries) throw e;
      }
    }
  }

  /** Clears the line being edited (Ctrl-E, Ctrl-U). */
  clearLine(): void {
    this.keys('C-e', 'C-u');
  }

  kill(): void {
    try {
      this.tmux('kill-session', '-t', this.name);
    } catch {
      // gone already
    }
  }
}
