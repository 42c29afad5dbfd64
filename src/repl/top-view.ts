import type { Writable } from 'node:stream';
import { emitKeypressEvents } from 'node:readline';
import type { FtlCore } from '../run/core.js';
import type { StreamHandle, SystemMetricsEvent } from '../run/events.js';
import { loadRenderer, SORT_KEYS, sortRows, type TopRow, type TopSort } from '../ui/index.js';
import type { KeyInput } from './hidden-input.js';

interface Key {
  name?: string;
  ctrl?: boolean;
  meta?: boolean;
}

export interface TopIo {
  readonly input: KeyInput;
  readonly out: Writable & { columns?: number; rows?: number };
  readonly colors: boolean;
}

/** Seconds between two samples on each host. */
const EVERY_S = 2;
/** At most this often the panel is drawn again (many hosts report within the same moment). */
const DRAW_MS = 200;

function rowOf(m: SystemMetricsEvent): TopRow {
  return {
    host: m.host,
    cpu: m.cpu.percent_total,
    ...(m.cpu.load_avg === null ? {} : { load: m.cpu.load_avg[0] }),
    memPercent: m.memory.percent,
    memUsed: m.memory.used,
    memTotal: m.memory.total,
    ...(m.disk === null ? {} : { diskPercent: m.disk.percent }),
    rxRate: m.net.recv_rate,
    txRate: m.net.sent_rate,
  };
}

/**
 * The REPL's `.top`: a live panel of every host's metrics, drawn by Ink as text (Ink only
 * renders here: its own key reading inside node's REPL would end the REPL) and written
 * over the previous frame. The keys are read here, taken from the REPL's line editor
 * for as long as the panel is up and given back after, as a password question does.
 */
export async function runTop(core: FtlCore, pattern: string, io: TopIo): Promise<void> {
  const hosts = core.hostsOf(pattern);
  const renderer = await loadRenderer();
  const rows = new Map<string, TopRow>(hosts.map((h) => [h, { host: h, note: 'starting…' }]));
  let sort: TopSort = 'host';
  let lastLines = 0;
  let timer: NodeJS.Timeout | undefined;
  const draw = (): void => {
    timer = undefined;
    const columns = Math.max(40, (io.out.columns ?? 100) - 1);
    // The panel must fit the screen, or moving up to redraw it would leave copies behind.
    const room = Math.max(1, (io.out.rows ?? 24) - 5);
    const sorted = sortRows([...rows.values()], sort);
    const shown = sorted.slice(0, room);
    const title = `ftl top · ${pattern} · ${String(hosts.length)} host${hosts.length === 1 ? '' : 's'}${shown.length < sorted.length ? ` (top ${String(shown.length)} shown)` : ''} · every ${String(EVERY_S)} s`;
    const frame = renderer.renderTop({ rows: shown, sort, title, columns }, io.colors).replace(/\n+$/, '');
    const up = lastLines > 0 ? `\x1b[${String(lastLines)}A` : '';
    io.out.write(`${up}\r\x1b[J${frame}\n`);
    lastLines = frame.split('\n').length;
  };
  let done = false;
  const redraw = (): void => {
    if (done) return;
    timer ??= setTimeout(draw, DRAW_MS);
  };

  const events = core.events.events({ types: ['SystemMetrics', 'StreamEnded'] });
  const consume = (async () => {
    for await (const ev of events) {
      if (ev.event === 'SystemMetrics' && rows.has(ev.host)) rows.set(ev.host, rowOf(ev));
      else if (ev.event === 'StreamEnded' && ev.stream === 'metrics' && rows.has(ev.host)) rows.set(ev.host, { host: ev.host, note: `${ev.resumes === true ? 'waiting for a new gate' : 'ended'}: ${ev.reason}` });
      else continue;
      redraw();
    }
  })();

  // Keys: taken from the REPL's line editor while the panel is up.
  const input = io.input;
  emitKeypressEvents(input as unknown as NodeJS.ReadableStream);
  const saved = input.listeners('keypress') as ((...a: unknown[]) => void)[];
  input.removeAllListeners('keypress');
  const wasRaw = input.isRaw === true;
  input.setRawMode?.(true);
  input.resume();
  io.out.write('\x1b[?25l');
  let starting: Promise<StreamHandle | undefined> = Promise.resolve(undefined);
  let leave: () => void = () => undefined;
  const left = new Promise<void>((resolve) => {
    leave = resolve;
  });
  const onKey = (_s: string | undefined, key: Key | undefined): void => {
    const chosen = key?.ctrl === true || key?.meta === true ? undefined : SORT_KEYS[key?.name ?? ''];
    if (chosen === undefined) {
      leave();
      return;
    }
    sort = chosen;
    if (timer !== undefined) clearTimeout(timer);
    draw();
  };
  input.on('keypress', onKey);
  try {
    draw();
    // The streams start while the panel shows: a host that is slow to open says "starting…" meanwhile.
    starting = core.metrics(pattern, { every: EVERY_S }).then(
      (h) => {
        for (const f of h.failed) rows.set(f.host, { host: f.host, note: f.message });
        redraw();
        return h;
      },
      (e: unknown) => {
        const message = e instanceof Error ? e.message : String(e);
        for (const h of hosts) rows.set(h, { host: h, note: message });
        redraw();
        return undefined;
      },
    );
    await left;
  } finally {
    done = true;
    input.removeListener('keypress', onKey);
    for (const l of saved) input.on('keypress', l);
    if (!wasRaw) input.setRawMode?.(false);
    if (timer !== undefined) clearTimeout(timer);
    await events.return?.();
    await consume;
    io.out.write('\x1b[?25h');
    // A host still opening when the panel is left stops its stream once it has started, without holding the prompt.
    void starting.then((h) => h?.stop());
  }
}
