/**
 * Text that is not valid UTF-8 (a file name, a command's output), as the gate and Ansible
 * carry it: Python's surrogateescape turns each byte that is not part of a valid UTF-8
 * sequence into a lone surrogate U+DC80..U+DCFF, and JSON carries those as \udcXX.
 * JSON.parse gives them back as lone UTF-16 code units, the same ones Ansible's
 * controller holds; these two functions map between such text and the bytes it stands for.
 */
const fatal = new TextDecoder('utf-8', { fatal: true });

/** The length of the valid UTF-8 sequence at i (strict, as Python decodes), or 0. */
function sequenceAt(b: Uint8Array, i: number): number {
  const c = b[i] ?? 0;
  const cont = (k: number): boolean => ((b[i + k] ?? 0) & 0xc0) === 0x80;
  if (c < 0x80) return 1;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    const c1 = b[i + 1] ?? 0;
    // No overlongs (E0 80..9F) and no surrogates (ED A0..BF).
    if ((c === 0xe0 && c1 < 0xa0) || (c === 0xed && c1 > 0x9f)) return 0;
    return cont(1) && cont(2) ? 3 : 0;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    const c1 = b[i + 1] ?? 0;
    if ((c === 0xf0 && c1 < 0x90) || (c === 0xf4 && c1 > 0x8f)) return 0;
    return cont(1) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

/** Bytes as text the gate turns back into the same bytes (UTF-8 with surrogateescape). */
export function gateText(bytes: Uint8Array): string {
  try {
    return fatal.decode(bytes);
  } catch {
    // Not UTF-8 throughout: decode run by run, escaping each byte that is not.
  }
  const parts: string[] = [];
  let start = 0;
  let i = 0;
  while (i < bytes.length) {
    const n = sequenceAt(bytes, i);
    if (n > 0) {
      i += n;
      continue;
    }
    if (i > start) parts.push(fatal.decode(bytes.subarray(start, i)));
    parts.push(String.fromCharCode(0xdc00 + (bytes[i] ?? 0)));
    i += 1;
    start = i;
  }
  if (i > start) parts.push(fatal.decode(bytes.subarray(start, i)));
  return parts.join('');
}

const LONE_ESCAPE = /(?<![\ud800-\udbff])[\udc80-\udcff]/g;

/** The bytes a gate's text stands for: each lone surrogate U+DC80..U+DCFF is its byte again (gateText's inverse). */
export function gateBytes(text: string): Buffer {
  // Most text has no surrogates at all: one conversion.
  if (!/[\ud800-\udfff]/.test(text)) return Buffer.from(text, 'utf8');
  const parts: Buffer[] = [];
  let start = 0;
  for (const m of text.matchAll(LONE_ESCAPE)) {
    const at = m.index;
    if (at > start) parts.push(Buffer.from(text.slice(start, at), 'utf8'));
    parts.push(Buffer.of(text.charCodeAt(at) - 0xdc00));
    start = at + 1;
  }
  if (start < text.length) parts.push(Buffer.from(text.slice(start), 'utf8'));
  return Buffer.concat(parts);
}
