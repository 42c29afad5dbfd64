import { shq } from '../base/shell.js';

const BEGIN = '@@FTL-REMOVE-BEGIN@@';
const END = '@@FTL-REMOVE-END@@';

/**
 * Decommissions a host's gates for the login user: stops every process that runs a gate
 * from the gate directory (TERM, then KILL after 2 s), then removes the directory (gates
 * and module cache) and the user's copy for become users under $TMPDIR. The process list
 * is read into a variable first, so that nothing in this script matches itself.
 */
export function removeScript(remoteDir: string): string {
  const dir = remoteDir.startsWith('/') ? shq(remoteDir) : `"$HOME"/${shq(remoteDir)}`;
  return [
    'if [ -z "$HOME" ] || [ "$HOME" = / ]; then echo "no home directory to clean" >&2; exit 3; fi',
    `D=${dir}`,
    'S="${TMPDIR:-/tmp}/ftl-gate-$(id -u)"',
    'L=$(ps -u "$(id -u)" -o pid= -o args= 2>/dev/null)',
    'P=',
    'n=0',
    'while read -r pid args; do',
    '  case "$args" in *"$D"/gate-*.pyz*|*"$S"/gate-*.pyz*) [ "$pid" != "$$" ] && P="$P $pid" && n=$((n+1));; esac',
    'done <<EOF_PS',
    '$L',
    'EOF_PS',
    'if [ -n "$P" ]; then',
    '  kill -TERM $P 2>/dev/null',
    '  i=0; while [ $i -lt 20 ] && kill -0 $P 2>/dev/null; do sleep 0.1; i=$((i+1)); done',
    '  kill -KILL $P 2>/dev/null',
    'fi',
    'rm -rf "$D" || exit 4',
    'if [ -d "$S" ] && [ -O "$S" ] && [ ! -L "$S" ]; then rm -rf "$S"; fi',
    `printf '%s\\nstopped=%s\\n%s\\n' ${shq(BEGIN)} "$n" ${shq(END)}`,
  ].join('\n');
}

/** What the script reported, or undefined when it did not get to the end. */
export function parseRemoved(stdout: string): { stopped: number } | undefined {
  const start = stdout.lastIndexOf(BEGIN);
  const end = stdout.lastIndexOf(END);
  if (start < 0 || end < start) return undefined;
  const m = /stopped=(\d+)/.exec(stdout.slice(start, end));
  return m === null ? undefined : { stopped: Number(m[1]) };
}
