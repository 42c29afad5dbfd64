/**
 * A small line-chart PNG, written by hand (zlib's deflate and a CRC-32; no dependency):
 * panels of one series each over a logarithmic x axis, labelled in a 3x5 bitmap font.
 */
import { deflateSync } from 'node:zlib';

export interface Panel {
  title: string;
  /** Points in x order; y may be undefined where nothing was measured. */
  points: readonly { x: number; y: number | undefined }[];
}

type Rgb = readonly [number, number, number];

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = (CRC_TABLE[(c ^ b) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** 3x5 glyphs, rows top to bottom, 3 bits each (left bit first). */
const FONT: Record<string, string> = {
  '0': '111101101101111', '1': '010110010010111', '2': '111001111100111', '3': '111001111001111', '4': '101101111001001',
  '5': '111100111001111', '6': '111100111101111', '7': '111001010010010', '8': '111101111101111', '9': '111101111001111',
  A: '010101111101101', B: '110101110101110', C: '011100100100011', D: '110101101101110', E: '111100110100111',
  F: '111100110100100', G: '011100101101011', H: '101101111101101', I: '111010010010111', J: '001001001101010',
  K: '101101110101101', L: '100100100100111', M: '101111111101101', N: '110101101101101', O: '010101101101010',
  P: '110101110100100', Q: '010101101110011', R: '110101110101101', S: '011100010001110', T: '111010010010010',
  U: '101101101101111', V: '101101101101010', W: '101101111111101', X: '101101010101101', Y: '101101010010010',
  Z: '111001010100111', '.': '000000000000010', ',': '000000000010100', '/': '001001010100100', '(': '010100100100010',
  ')': '010001001001010', '-': '000000111000000', ':': '000010000010000', '%': '101001010100101', ' ': '000000000000000',
};

export class Canvas {
  readonly px: Buffer;
  constructor(
    readonly w: number,
    readonly h: number,
  ) {
    this.px = Buffer.alloc(w * h * 3, 255);
  }

  set(x: number, y: number, c: Rgb): void {
    const xi = Math.round(x);
    const yi = Math.round(y);
    if (xi < 0 || yi < 0 || xi >= this.w || yi >= this.h) return;
    const at = (yi * this.w + xi) * 3;
    this.px[at] = c[0];
    this.px[at + 1] = c[1];
    this.px[at + 2] = c[2];
  }

  line(x0: number, y0: number, x1: number, y1: number, c: Rgb, width = 1): void {
    const n = Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0), 1);
    for (let i = 0; i <= n; i++) {
      const x = x0 + ((x1 - x0) * i) / n;
      const y = y0 + ((y1 - y0) * i) / n;
      for (let dx = 0; dx < width; dx++) for (let dy = 0; dy < width; dy++) this.set(x + dx - (width >> 1), y + dy - (width >> 1), c);
    }
  }

  dot(x: number, y: number, c: Rgb, r = 3): void {
    for (let dx = -r; dx <= r; dx++) for (let dy = -r; dy <= r; dy++) if (dx * dx + dy * dy <= r * r) this.set(x + dx, y + dy, c);
  }

  /** Text at (x, y) top-left, each font pixel drawn as scale x scale. */
  text(x: number, y: number, s: string, c: Rgb, scale = 2): number {
    let cx = x;
    for (const ch of s.toUpperCase()) {
      const g = FONT[ch] ?? FONT[' '] ?? '';
      for (let row = 0; row < 5; row++) {
        for (let col = 0; col < 3; col++) {
          if (g[row * 3 + col] !== '1') continue;
          for (let a = 0; a < scale; a++) for (let b = 0; b < scale; b++) this.set(cx + col * scale + a, y + row * scale + b, c);
        }
      }
      cx += 4 * scale;
    }
    return cx - x;
  }

  png(): Buffer {
    const raw = Buffer.alloc((this.w * 3 + 1) * this.h);
    for (let y = 0; y < this.h; y++) {
      raw[y * (this.w * 3 + 1)] = 0;
      this.px.copy(raw, y * (this.w * 3 + 1) + 1, y * this.w * 3, (y + 1) * this.w * 3);
    }
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(this.w, 0);
    ihdr.writeUInt32BE(this.h, 4);
    ihdr[8] = 8; // bit depth
    ihdr[9] = 2; // truecolour
    return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
  }
}

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function label(v: number): string {
  if (v >= 1000 && v % 1000 === 0) return `${String(v / 1000)}K`;
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

const INK: Rgb = [30, 30, 30];
const GRID: Rgb = [225, 225, 225];
const LINE: Rgb = [33, 102, 172];

/** Panels in a grid (2 across), a shared caption at the top; x is logarithmic. */
export function chartPng(caption: string, panels: readonly Panel[]): Buffer {
  const pw = 460;
  const ph = 300;
  const cols = 2;
  const rows = Math.ceil(panels.length / cols);
  const c = new Canvas(pw * cols, ph * rows + 40);
  c.text(16, 12, caption, INK, 3);
  panels.forEach((p, k) => {
    const ox = (k % cols) * pw;
    const oy = 40 + Math.floor(k / cols) * ph;
    const left = ox + 70;
    const right = ox + pw - 20;
    const top = oy + 40;
    const bottom = oy + ph - 40;
    c.text(left, oy + 12, p.title, INK, 2);
    const xs = p.points.map((q) => q.x);
    const lo = Math.log10(Math.min(...xs));
    const hi = Math.log10(Math.max(...xs));
    const ys = p.points.flatMap((q) => (q.y === undefined ? [] : [q.y]));
    const ymax = niceMax(Math.max(0, ...ys));
    const X = (x: number): number => left + (hi === lo ? 0 : ((Math.log10(x) - lo) / (hi - lo)) * (right - left));
    const Y = (y: number): number => bottom - (y / ymax) * (bottom - top);
    for (let i = 0; i <= 4; i++) {
      const v = (ymax * i) / 4;
      c.line(left, Y(v), right, Y(v), GRID);
      const s = label(v);
      c.text(left - 8 - s.length * 8, Y(v) - 5, s, INK, 2);
    }
    for (const x of xs) {
      c.line(X(x), bottom, X(x), bottom + 5, INK);
      const s = label(x);
      c.text(X(x) - s.length * 4, bottom + 10, s, INK, 2);
    }
    c.line(left, top, left, bottom, INK);
    c.line(left, bottom, right, bottom, INK);
    let prev: { x: number; y: number } | undefined;
    for (const q of p.points) {
      if (q.y === undefined) {
        prev = undefined;
        continue;
      }
      const pt = { x: X(q.x), y: Y(q.y) };
      if (prev !== undefined) c.line(prev.x, prev.y, pt.x, pt.y, LINE, 2);
      c.dot(pt.x, pt.y, LINE);
      prev = pt;
    }
  });
  return c.png();
}
