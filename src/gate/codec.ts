import { ProtocolError } from '../base/errors.js';

/**
 * The gate's framing: 8 lowercase hex digits giving the body's byte length, then a
 * UTF-8 JSON body `[type, data]` or `[type, data, id]`. Pure: no streams, no I/O.
 */
export interface GateMessage {
  readonly type: string;
  readonly data: unknown;
  readonly id: number | undefined;
}

export const MAX_FRAME_BYTES = 64 * 1024 * 1024;
const LENGTH_DIGITS = 8;

export function encodeFrame(type: string, data: unknown, id?: number): Buffer {
  const body = Buffer.from(JSON.stringify(id === undefined ? [type, data] : [type, data, id]), 'utf8');
  if (body.length > MAX_FRAME_BYTES) {
    throw new ProtocolError('FTL_PROTOCOL_TOO_LARGE', `a ${type} frame of ${body.length} bytes is over the 64 MiB limit`);
  }
  return Buffer.concat([Buffer.from(body.length.toString(16).padStart(LENGTH_DIGITS, '0'), 'ascii'), body]);
}

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;
}

function isHex(b: number): boolean {
  return (b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x66) || (b >= 0x41 && b <= 0x46);
}

function toMessage(body: Buffer): GateMessage {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (e) {
    const head = body.subarray(0, 40).toString('utf8');
    throw new ProtocolError('FTL_PROTOCOL_BAD_JSON', `frame body is not JSON (${(e as Error).message}): ${JSON.stringify(head)}`);
  }
  if (!Array.isArray(parsed) || (parsed.length !== 2 && parsed.length !== 3) || typeof parsed[0] !== 'string') {
    throw new ProtocolError('FTL_PROTOCOL_BAD_SHAPE', `frame body is not a [type, data] or [type, data, id] array: ${JSON.stringify(parsed).slice(0, 60)}`);
  }
  const id: unknown = parsed[2];
  if (parsed.length === 3 && !(typeof id === 'number' && Number.isInteger(id))) {
    throw new ProtocolError('FTL_PROTOCOL_BAD_SHAPE', `frame id is not an integer: ${JSON.stringify(id)}`);
  }
  return { type: parsed[0], data: parsed[1] as unknown, id: parsed.length === 3 ? (id as number) : undefined };
}

type State = { at: 'gap' } | { at: 'length'; digits: number[] } | { at: 'gap2'; length: number } | { at: 'body'; length: number; parts: Buffer[]; have: number };

/**
 * Decodes frames from chunks split anywhere. Body bytes are kept as a list of
 * slices and joined once per frame, so a 10 MiB body in 64 KiB chunks costs one copy.
 */
export class FrameDecoder {
  private state: State = { at: 'gap' };

  push(chunk: Buffer): GateMessage[] {
    const out: GateMessage[] = [];
    let i = 0;
    while (i < chunk.length) {
      const s = this.state;
      switch (s.at) {
        case 'gap': {
          const b = chunk[i] ?? 0;
          if (isSpace(b)) i++;
          else this.state = { at: 'length', digits: [] };
          break;
        }
        case 'length': {
          while (i < chunk.length && s.digits.length < LENGTH_DIGITS) s.digits.push(chunk[i++] ?? 0);
          if (s.digits.length < LENGTH_DIGITS) break;
          const raw = Buffer.from(s.digits);
          if (!s.digits.every(isHex)) {
            throw new ProtocolError('FTL_PROTOCOL_BAD_LENGTH', `frame length is not 8 hex digits: ${JSON.stringify(raw.toString('latin1'))}`);
          }
          const length = parseInt(raw.toString('ascii'), 16);
          if (length > MAX_FRAME_BYTES) {
            throw new ProtocolError('FTL_PROTOCOL_TOO_LARGE', `frame length ${length} bytes is over the 64 MiB limit`);
          }
          if (length === 0) throw new ProtocolError('FTL_PROTOCOL_BAD_JSON', 'frame body is empty (length 00000000)');
          this.state = { at: 'gap2', length };
          break;
        }
        case 'gap2': {
          const b = chunk[i] ?? 0;
          if (isSpace(b)) i++;
          else this.state = { at: 'body', length: s.length, parts: [], have: 0 };
          break;
        }
        case 'body': {
          const take = Math.min(s.length - s.have, chunk.length - i);
          s.parts.push(chunk.subarray(i, i + take));
          s.have += take;
          i += take;
          if (s.have === s.length) {
            const body = s.parts.length === 1 ? (s.parts[0] ?? Buffer.alloc(0)) : Buffer.concat(s.parts, s.length);
            this.state = { at: 'gap' };
            out.push(toMessage(body));
          }
          break;
        }
      }
    }
    return out;
  }

  /** The input ended: fine between frames, a protocol error inside one. */
  end(): void {
    const s = this.state;
    if (s.at === 'gap') return;
    const where =
      s.at === 'length' ? `length: got ${s.digits.length} of 8 digits` : s.at === 'gap2' ? `body: got 0 of ${s.length} bytes` : `body: got ${s.have} of ${s.length} bytes`;
    throw new ProtocolError('FTL_PROTOCOL_TRUNCATED', `end of input inside a frame (${where})`);
  }

  /** Bytes held for a frame not yet complete. */
  get buffered(): number {
    const s = this.state;
    return s.at === 'length' ? s.digits.length : s.at === 'body' ? s.have : 0;
  }
}
