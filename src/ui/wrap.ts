/** At most this many screen lines for one line of a result: an error's fix sits at its end, so it wraps rather than being cut. */
export const MAX_WRAPPED = 4;

/**
 * One line folded to the width, at spaces where it can (a word longer than the width is
 * split), into at most `max` pieces; the last piece ends with … when even that is not all.
 */
export function wrapLine(line: string, width: number, max = MAX_WRAPPED): { pieces: string[]; cut: boolean } {
  const w = Math.max(2, width);
  if (line.length <= w) return { pieces: [line], cut: false };
  const pieces: string[] = [];
  let rest = line;
  while (rest.length > w && pieces.length < max) {
    const space = rest.lastIndexOf(' ', w);
    const at = space > w / 3 ? space : w;
    pieces.push(rest.slice(0, at).trimEnd());
    rest = rest.slice(at).replace(/^ /, '');
  }
  if (rest === '') return { pieces, cut: false };
  if (pieces.length < max) return { pieces: [...pieces, rest], cut: false };
  const last = pieces.pop() ?? '';
  pieces.push(`${last.slice(0, w - 1)}…`);
  return { pieces, cut: true };
}
