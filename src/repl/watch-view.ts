import { UsageError } from '../base/errors.js';
import { BoundedQueue } from '../base/bounded-queue.js';
import type { FtlCore } from '../run/core.js';
import type { FtlEvent, StreamHandle } from '../run/events.js';

interface Watching {
  readonly path: string;
  readonly pattern: string;
  readonly handle: StreamHandle;
}

/** Lines held back while a panel owns the screen (.top); more than this and the oldest go. */
const HELD_LINES = 200;

/**
 * The REPL's `.watch`: watches started from the prompt, and one loop that prints their
 * changes as they come, through `printAbove` (above the prompt, the line being typed put
 * back as it was).
 */
export class WatchView {
  private readonly watching: Watching[] = [];
  private loop: AsyncIterableIterator<FtlEvent> | undefined;
  private held: BoundedQueue<string> | undefined;

  constructor(
    private readonly core: FtlCore,
    private readonly printAbove: (text: string) => void,
    private readonly colors: boolean,
  ) {}

  /** `.watch` (list), `.watch off`, `.watch PATH [pattern]`. Returns what to print. */
  async command(arg: string): Promise<string> {
    const a = arg.trim();
    if (a === '') return this.list();
    if (a === 'off') {
      const n = this.watching.length;
      await this.stopAll();
      return n === 0 ? 'no watch was running' : `stopped ${String(n)} watch${n === 1 ? '' : 'es'}`;
    }
    const [path = '', pattern = this.core.defaultTarget, ...rest] = a.split(/\s+/);
    if (rest.length > 0) throw new UsageError('FTL_USAGE', `.watch takes a path and a host pattern, not '${a}'`, { hint: '.watch /etc/nginx web' });
    if (!path.startsWith('/')) throw new UsageError('FTL_USAGE', `.watch needs an absolute path on the hosts, not '${path}'`, { hint: '.watch /etc/nginx [pattern]' });
    // A tree is what one watches from the prompt (/etc/nginx and its conf.d).
    const handle = await this.core.watch(pattern, path, { recursive: true });
    this.watching.push({ path, pattern, handle });
    this.ensureLoop();
    const failed = handle.failed.map((f) => `\n  ${f.host}: ${f.message}`).join('');
    return `watching ${path} on ${String(handle.hosts.length)} host${handle.hosts.length === 1 ? '' : 's'} (${pattern}); changes print as they come · .watch off stops${failed === '' ? '' : `\n not on:${failed}`}`;
  }

  private list(): string {
    if (this.watching.length === 0) return 'no watch is running; .watch PATH [pattern] starts one';
    return this.watching.map((w) => `${w.path} on ${w.pattern} (${String(w.handle.hosts.length)} host${w.handle.hosts.length === 1 ? '' : 's'})`).join('\n');
  }

  /** While a panel (.top) owns the screen, lines wait; they print when it is gone. */
  hold(on: boolean): void {
    if (on) {
      this.held ??= new BoundedQueue(HELD_LINES);
      return;
    }
    const q = this.held;
    this.held = undefined;
    if (q === undefined) return;
    const dropped = q.takeDropped();
    const lines: string[] = [];
    if (dropped > 0) lines.push(this.paint(`⟳ ${String(dropped)} earlier changes not shown`, 'dim'));
    for (let l = q.shift(); l !== undefined; l = q.shift()) lines.push(l);
    if (lines.length > 0) this.printAbove(lines.join('\n'));
  }

  private paint(text: string, how: 'green' | 'yellow' | 'red' | 'dim'): string {
    if (!this.colors) return text;
    const code = { green: '32', yellow: '33', red: '31', dim: '2' }[how];
    return `\x1b[${code}m${text}\x1b[0m`;
  }

  private mine(host: string, watch: string): boolean {
    return this.watching.some((w) => w.path === watch && w.handle.hosts.includes(host));
  }

  private line(ev: FtlEvent): string | undefined {
    switch (ev.event) {
      case 'FileChanged': {
        if (!this.mine(ev.host, ev.watch)) return undefined;
        const how = ev.kind === 'created' ? 'green' : ev.kind === 'deleted' ? 'red' : 'yellow';
        return `⟳ ${ev.host} ${this.paint(ev.kind.padEnd(8), how)} ${ev.path}${ev.is_dir ? '/' : ''}`;
      }
      case 'StreamEnded':
        if (ev.stream !== 'watch') return undefined;
        return this.paint(`⟳ ${ev.host}: the watch ${ev.resumes === true ? `stopped (${ev.reason}); it starts again with the host's next gate` : `ended (${ev.reason})`}`, 'dim');
      case 'StreamResumed':
        return ev.stream === 'watch' ? this.paint(`⟳ ${ev.host}: the watch runs again (a new gate)`, 'dim') : undefined;
      case 'EventsDropped':
        return this.paint(`⟳ ${String(ev.count)} changes not shown (they came faster than the screen)`, 'dim');
      default:
        return undefined;
    }
  }

  private ensureLoop(): void {
    if (this.loop !== undefined) return;
    const loop = this.core.events.events({ types: ['FileChanged', 'StreamEnded', 'StreamResumed'] });
    this.loop = loop;
    void (async () => {
      for await (const ev of loop) {
        const text = this.line(ev);
        if (text === undefined) continue;
        if (this.held !== undefined) this.held.push(text);
        else this.printAbove(text);
      }
    })();
  }

  async stopAll(): Promise<void> {
    const all = this.watching.splice(0);
    await this.loop?.return?.();
    this.loop = undefined;
    await Promise.all(all.map((w) => w.handle.stop()));
  }
}
