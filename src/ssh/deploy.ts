import { readFileSync } from 'node:fs';
import { SshError } from '../base/errors.js';
import { sha256Of, type GateBuild } from '../gate/pyz.js';
import { shq } from '../base/shell.js';
import type { RemoteResult, RemoteRunner } from './exec.js';

/** What a host has: the interpreter to run the gate with and the gate's absolute path there. */
export interface RemoteGate {
  readonly python: string;
  readonly pythonVersion: string;
  readonly path: string;
  readonly home: string;
  /** /usr/bin/python3 or /usr/libexec/platform-python when there: for become users, who may not reach one under the login user's home (pyenv). */
  readonly systemPython: string | undefined;
  /** True when this call uploaded the file (false: it was there already). */
  readonly uploaded: boolean;
  /** True when a file was there but its bytes were not the build's: it was replaced. */
  readonly damaged: boolean;
}

export interface DeployOptions {
  host: string;
  /** ansible_python_interpreter; when given, the only one tried. */
  python: string | undefined;
  /** Where gates live on the host: relative to $HOME (default .ftl) or absolute. */
  remoteDir: string;
  /** The gate's bytes (default: read from gate.path); they must hash to gate.sha256. */
  readGate?: (() => Promise<Uint8Array>) | undefined;
}

const BEGIN = '@@FTL-PROBE-BEGIN@@';
const END = '@@FTL-PROBE-END@@';
/** Said on stderr by a start command that found the gate file's bytes are not the build's. */
export const DAMAGED_MARKER = '@@FTL-GATE-DAMAGED@@';
const PID_LINE = /@@FTL-PID=(\d+)@@/;

/** The first thing every start and probe script prints: the pid of its shell, which leads the process group of what it starts. */
export const PRINT_PID = `printf '@@FTL-PID=%s@@\\n' "$$"`;

/** The pid a script printed with PRINT_PID, if it got that far. */
export function pidOf(output: string): number | undefined {
  const m = PID_LINE.exec(output);
  return m === null ? undefined : Number(m[1]);
}

/**
 * Shell functions: ftl_sum FILE prints its SHA-256 with whatever the host has (sha256sum,
 * shasum, openssl, else the interpreter in $PY); ftl_ok FILE says whether that is the build's.
 */
export function checkFunctions(sha256: string): string[] {
  const py = `"$PY" -c 'import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],"rb").read()).hexdigest())' "$1"`;
  return [
    `ftl_sum() { { sha256sum "$1" || shasum -a 256 "$1" || openssl dgst -sha256 "$1" || ${py}; } 2>/dev/null; }`,
    `ftl_ok() { case "$(ftl_sum "$1")" in *${sha256}*) return 0;; esac; return 1; }`,
  ];
}
export const PYTHON_CANDIDATES = ['python3', '/usr/bin/python3', '/usr/libexec/platform-python', 'python'];

function dirExpr(remoteDir: string): string {
  return remoteDir.startsWith('/') ? shq(remoteDir) : `"$HOME"/${shq(remoteDir)}`;
}

/**
 * One round trip: which interpreter, its version, $HOME, and whether this gate is there with
 * the build's bytes (present), there with others (damaged: edited, cut short) or missing.
 * Markers keep rc-file chatter out. With `startMarker`, a gate that is there and intact
 * starts at once instead (the marker, then the gate's frames), and the probe answers only
 * when it is not.
 */
export function probeScript(gate: GateBuild, opts: DeployOptions, startMarker?: string): string {
  const candidates = (opts.python !== undefined ? [opts.python] : PYTHON_CANDIDATES).map(shq).join(' ');
  return [
    PRINT_PID,
    'PY=',
    `for c in ${candidates}; do if command -v "$c" >/dev/null 2>&1; then PY=$(command -v "$c"); break; fi; done`,
    `D=${dirExpr(opts.remoteDir)}`,
    `F="$D"/${shq(`gate-${gate.hash}.pyz`)}`,
    ...checkFunctions(gate.sha256),
    'G=missing',
    'if [ -f "$F" ]; then if ftl_ok "$F"; then G=present; else G=damaged; fi; fi',
    ...(startMarker === undefined ? [] : [`if [ -n "$PY" ] && [ "$G" = present ]; then printf '%s' ${shq(startMarker)}; exec "$PY" "$F"; fi`]),
    `printf '%s\\n' ${shq(BEGIN)}`,
    `printf 'home=%s\\n' "$HOME"`,
    `printf 'dir=%s\\n' "$D"`,
    `if [ -n "$PY" ]; then printf 'python=%s\\n' "$PY"; "$PY" -c 'import sys; print("version=%d.%d.%d" % tuple(sys.version_info[:3]))' 2>/dev/null; fi`,
    `for c in /usr/bin/python3 /usr/libexec/platform-python; do if [ -x "$c" ]; then printf 'syspython=%s\\n' "$c"; break; fi; done`,
    'echo "gate=$G"',
    `printf '%s\\n' ${shq(END)}`,
  ].join('\n');
}

/** Writes stdin to a temp name in the gate dir (0700), checks its size and hash, then renames it into place. */
export function uploadScript(gate: GateBuild, remoteDir: string, python: string): string {
  const final = shq(`gate-${gate.hash}.pyz`);
  return [
    PRINT_PID,
    'umask 077',
    `PY=${shq(python)}`,
    ...checkFunctions(gate.sha256),
    `D=${dirExpr(remoteDir)}`,
    'mkdir -p "$D" || exit 3',
    'chmod 700 "$D" || exit 3',
    `T="$D/.gate-${gate.hash}.$$.tmp"`,
    'if ! cat > "$T"; then rm -f "$T"; exit 4; fi',
    'n=$(wc -c < "$T" | tr -d " ")',
    `if [ "$n" != ${String(gate.size)} ]; then rm -f "$T"; echo "only $n of ${String(gate.size)} bytes arrived" >&2; exit 5; fi`,
    'if ! ftl_ok "$T"; then rm -f "$T"; echo "the bytes that arrived are not the gate\'s (their SHA-256 differs)" >&2; exit 5; fi',
    `mv -f "$T" "$D"/${final} || { rm -f "$T"; exit 6; }`,
  ].join('\n');
}

export function parseProbe(stdout: string): Map<string, string> | undefined {
  const start = stdout.lastIndexOf(BEGIN);
  const end = stdout.lastIndexOf(END);
  if (start < 0 || end < start) return undefined;
  const out = new Map<string, string>();
  for (const line of stdout.slice(start + BEGIN.length, end).split('\n')) {
    const at = line.indexOf('=');
    if (at > 0) out.set(line.slice(0, at).trim(), line.slice(at + 1).trim());
  }
  return out;
}

function versionOk(v: string): boolean {
  const [major, minor] = v.split('.').map((x) => Number.parseInt(x, 10));
  return major !== undefined && minor !== undefined && (major > 3 || (major === 3 && minor >= 8));
}

function oneLine(text: string): string {
  return text.trim().split('\n').filter((l) => l.trim() !== '').slice(-3).join(' | ').slice(0, 400);
}

/**
 * Makes sure the host has this gate: a probe first, an upload only when the file is not
 * there. The upload goes to a temp name and is renamed, so a parallel session or a shared
 * home never runs half a file.
 */
export async function deployGate(run: RemoteRunner, gate: GateBuild, opts: DeployOptions): Promise<RemoteGate> {
  return deployAfterProbe(run, gate, opts, await run(`sh -c ${shq(probeScript(gate, opts))}`));
}

/** The rest of deployGate, from a probe's answer (one that ran on its own, or one that found no gate to start). */
export async function deployAfterProbe(run: RemoteRunner, gate: GateBuild, opts: DeployOptions, probe: RemoteResult): Promise<RemoteGate> {
  const facts = parseProbe(probe.stdout);
  if (facts === undefined) {
    throw new SshError('FTL_SSH_DEPLOY', `the probe on ${opts.host} gave no answer (exit ${String(probe.code)}): ${oneLine(probe.stderr) || 'no output'}; check that the login shell works (sh must exist)`, { host: opts.host });
  }
  const python = facts.get('python');
  const version = facts.get('version');
  const tried = opts.python !== undefined ? `ansible_python_interpreter=${opts.python}` : PYTHON_CANDIDATES.join(', ');
  if (python === undefined || version === undefined) {
    throw new SshError('FTL_SSH_NO_PYTHON', `no Python on ${opts.host} (tried ${tried})`, { host: opts.host });
  }
  if (!versionOk(version)) {
    throw new SshError('FTL_SSH_NO_PYTHON', `${python} on ${opts.host} is Python ${version}; the gate needs 3.8 or newer`, {
      host: opts.host,
      hint: 'install python3 (3.8 or newer) on the host, or point ansible_python_interpreter at a newer one',
    });
  }
  const dir = facts.get('dir') ?? '';
  const path = `${dir}/gate-${gate.hash}.pyz`;
  const base = { python, pythonVersion: version, path, home: facts.get('home') ?? '', systemPython: facts.get('syspython') };
  if (facts.get('gate') === 'present') return { ...base, uploaded: false, damaged: false };
  const bytes = opts.readGate === undefined ? readFileSync(gate.path) : await opts.readGate();
  if (sha256Of(bytes) !== gate.sha256) {
    throw new SshError('FTL_SSH_DEPLOY', `the gate file on this controller (${gate.path}) is not the build's, so it was not sent to ${opts.host}`, {
      host: opts.host,
      hint: 'remove it; ftl builds the gate anew',
    });
  }
  const up = await run(`sh -c ${shq(uploadScript(gate, opts.remoteDir, python))}`, bytes);
  if (up.code !== 0) {
    throw new SshError('FTL_SSH_DEPLOY', `cannot upload the gate to ${opts.host}:${path} (exit ${String(up.code)}): ${oneLine(up.stderr) || 'no error text'}`, { host: opts.host });
  }
  return { ...base, uploaded: true, damaged: facts.get('gate') === 'damaged' };
}

/**
 * The become user cannot read a 0700 ~/.ftl. It gets a copy in a directory the login user
 * owns, mode 0711 (others may open a file whose name they know, never list or replace
 * it); the gate is public code, nothing secret is in it. Ownership is checked, so a
 * directory someone else planted under /tmp is refused. A copy whose bytes are not the
 * build's is replaced, and the copy made is checked before it takes the name.
 */
export function becomeCopyScript(gate: GateBuild, sourcePath: string, python: string): string {
  const name = shq(`gate-${gate.hash}.pyz`);
  return [
    PRINT_PID,
    `PY=${shq(python)}`,
    ...checkFunctions(gate.sha256),
    'S="${TMPDIR:-/tmp}/ftl-gate-$(id -u)"',
    'if [ ! -d "$S" ]; then mkdir -m 0711 "$S" || exit 3; fi',
    'if [ -L "$S" ] || [ ! -O "$S" ]; then echo "$S is not a directory owned by $(id -un)" >&2; exit 7; fi',
    'chmod 0711 "$S" || exit 3',
    'C=present',
    `if [ ! -f "$S"/${name} ]; then C=missing; elif ! ftl_ok "$S"/${name}; then C=damaged; fi`,
    'if [ "$C" != present ]; then',
    `  cp ${shq(sourcePath)} "$S/.copy.$$" && chmod 0644 "$S/.copy.$$" && ftl_ok "$S/.copy.$$" && mv -f "$S/.copy.$$" "$S"/${name} || { rm -f "$S/.copy.$$"; echo "the copy made from the login user's gate file is not the build's" >&2; exit 4; }`,
    'fi',
    `printf '%s\\n' ${shq(BEGIN)}`,
    `printf 'path=%s\\n' "$S"/${name}`,
    'echo "copy=$C"',
    `printf '%s\\n' ${shq(END)}`,
  ].join('\n');
}

export async function becomeCopy(run: RemoteRunner, gate: GateBuild, sourcePath: string, host: string, python: string): Promise<{ path: string; damaged: boolean }> {
  const r = await run(`sh -c ${shq(becomeCopyScript(gate, sourcePath, python))}`);
  const facts = parseProbe(r.stdout);
  const path = facts?.get('path');
  if (r.code !== 0 || path === undefined) {
    throw new SshError('FTL_SSH_DEPLOY', `cannot give the become user a readable copy of the gate (exit ${String(r.code)}): ${oneLine(r.stderr) || 'no error text'}`, { host });
  }
  return { path, damaged: facts?.get('copy') === 'damaged' };
}
