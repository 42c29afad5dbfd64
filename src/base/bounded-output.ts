/**
 * A command's output stream held to its first `limit` bytes, the rest counted, as the gate
 * holds module output (gate/ftl_gate/output.py): 100 MB printed by a raw command costs the
 * controller `limit` bytes, not 100 MB. A cut never splits a UTF-8 character.
 */
/** Bytes kept of each output stream when a call names no maxOutput (as the gate's default). */
export const DEFAULT_MAX_OUTPUT = 16 * 1024 * 1024;

export class BoundedOutput {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  private dropped = 0;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    const room = this.limit - this.kept;
    if (room >= chunk.length) {
      this.chunks.push(chunk);
      this.kept += chunk.length;
      return;
    }
    if (room > 0) {
      this.chunks.push(chunk.subarray(0, room));
      this.kept += room;
    }
    this.dropped += chunk.length - Math.max(room, 0);
  }

  /** The text kept, and how many bytes were left out (0 when nothing was). */
  result(): { text: string; droppedBytes: number } {
    let data = Buffer.concat(this.chunks, this.kept);
    let dropped = this.dropped;
    if (dropped > 0) {
      const back = partialTail(data);
      data = data.subarray(0, data.length - back);
      dropped += back;
    }
    return { text: data.toString('utf8'), droppedBytes: dropped };
  }
}

/** Bytes at the end of `data` that start a UTF-8 character the cut left incomplete. */
function partialTail(data: Buffer): number {
  for (let back = 1; back <= Math.min(4, data.length); back++) {
    const b = data[data.length - back] ?? 0;
    if ((b & 0xc0) === 0x80) continue;
    const need = (b & 0xe0) === 0xc0 ? 2 : (b & 0xf0) === 0xe0 ? 3 : (b & 0xf8) === 0xf0 ? 4 : 1;
    return need > back ? back : 0;
  }
  return 0;
}
