import { readFileSync } from 'node:fs';
import { SshError } from '../base/errors.js';
import type { GateBuild } from '../gate/pyz.js';
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
}

export interface DeployOptions {
  host: string;
  /** ansible_python_interpreter; when given, the only one tried. */
  python: string | undefined;
  /** Where gates live on the host: relative to $HOME (default .ftl) or absolute. */
  remoteDir: string;
  /** The gate's bytes (default: read from gate.path). */
  readGate?: () => Uint8Array;
}

const BEGIN = '@@FTL-PROBE-BEGIN@@';
const END = '@@FTL-PROBE-END@@';
export const PYTHON_CANDIDATES = ['python3', '/usr/bin/python3', '/usr/libexec/platform-python', 'python'];

function dirExpr(remoteDir: string): string {
  return remoteDir.startsWith('/') ? shq(remoteDir) : `"$HOME"/${shq(remoteDir)}`;
}

/**
 * One round trip: which interpreter, its version, $HOME, and whether this gate is there.
 * Markers keep rc-file chatter out. With `startMarker`, a gate that is there starts at once
 * instead (the marker, then the gate's frames), and the probe answers only when it is not.
 */
export function probeScript(gate: GateBuild, opts: DeployOptions, startMarker?: string): string {
  const candidates = (opts.python !== undefined ? [opts.python] : PYTHON_CANDIDATES).map(shq).join(' ');
  const file = `"$D"/${shq(`gate-${gate.hash}.pyz`)}`;
  return [
    'PY=',
    `for c in ${candidates}; do if command -v "$c" >/dev/null 2>&1; then PY=$(command -v "$c"); break; fi; done`,
    `D=${dirExpr(opts.remoteDir)}`,
    ...(startMarker === undefined ? [] : [`if [ -n "$PY" ] && [ -f ${file} ]; then printf '%s' ${shq(startMarker)}; exec "$PY" ${file}; fi`]),
    `printf '%s\\n' ${shq(BEGIN)}`,
    `printf 'home=%s\\n' "$HOME"`,
    `printf 'dir=%s\\n' "$D"`,
    `if [ -n "$PY" ]; then printf 'python=%s\\n' "$PY"; "$PY" -c 'import sys; print("version=%d.%d.%d" % tuple(sys.version_info[:3]))' 2>/dev/null; fi`,
    `for c in /usr/bin/python3 /usr/libexec/platform-python; do if [ -x "$c" ]; then printf 'syspython=%s\\n' "$c"; break; fi; done`,
    `if [ -f "$D"/${shq(`gate-${gate.hash}.pyz`)} ]; then echo gate=present; else echo gate=missing; fi`,
    `printf '%s\\n' ${shq(END)}`,
  ].join('\n');
}

/** Writes stdin to a temp name in the gate dir (0700), checks its size, then renames it into place. */
export function uploadScript(gate: GateBuild, remoteDir: string): string {
  const final = shq(`gate-${gate.hash}.pyz`);
  return [
    'umask 077',
    `D=${dirExpr(remoteDir)}`,
    'mkdir -p "$D" || exit 3',
    'chmod 700 "$D" || exit 3',
    `T="$D/.gate-${gate.hash}.$$.tmp"`,
    'if ! cat > "$T"; then rm -f "$T"; exit 4; fi',
    'n=$(wc -c < "$T" | tr -d " ")',
    `if [ "$n" != ${String(gate.size)} ]; then rm -f "$T"; echo "only $n of ${String(gate.size)} bytes arrived" >&2; exit 5; fi`,
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
  if (facts.get('gate') === 'present') return { ...base, uploaded: false };
  const bytes = (opts.readGate ?? (() => readFileSync(gate.path)))();
  const up = await run(`sh -c ${shq(uploadScript(gate, opts.remoteDir))}`, bytes);
  if (up.code !== 0) {
    throw new SshError('FTL_SSH_DEPLOY', `cannot upload the gate to ${opts.host}:${path} (exit ${String(up.code)}): ${oneLine(up.stderr) || 'no error text'}`, { host: opts.host });
  }
  return { ...base, uploaded: true };
}

/**
 * The become user cannot read a 0700 ~/.ftl. It gets a copy in a directory the login user
 * owns, mode 0711 (others may open a file whose name they know, never list or replace
 * it); the gate is public code, nothing secret is in it. Ownership is checked, so a
 * directory someone else planted under /tmp is refused.
 */
export function becomeCopyScript(gate: GateBuild, sourcePath: string): string {
  const name = shq(`gate-${gate.hash}.pyz`);
  return [
    'S="${TMPDIR:-/tmp}/ftl-gate-$(id -u)"',
    'if [ ! -d "$S" ]; then mkdir -m 0711 "$S" || exit 3; fi',
    'if [ -L "$S" ] || [ ! -O "$S" ]; then echo "$S is not a directory owned by $(id -un)" >&2; exit 7; fi',
    'chmod 0711 "$S" || exit 3',
    `if [ ! -f "$S"/${name} ]; then`,
    `  cp ${shq(sourcePath)} "$S/.copy.$$" && chmod 0644 "$S/.copy.$$" && mv -f "$S/.copy.$$" "$S"/${name} || { rm -f "$S/.copy.$$"; exit 4; }`,
    'fi',
    `printf '%s\\n' ${shq(BEGIN)}`,
    `printf 'path=%s\\n' "$S"/${name}`,
    `printf '%s\\n' ${shq(END)}`,
  ].join('\n');
}

export async function becomeCopy(run: RemoteRunner, gate: GateBuild, sourcePath: string, host: string): Promise<string> {
  const r = await run(`sh -c ${shq(becomeCopyScript(gate, sourcePath))}`);
  const path = parseProbe(r.stdout)?.get('path');
  if (r.code !== 0 || path === undefined) {
    throw new SshError('FTL_SSH_DEPLOY', `cannot give the become user a readable copy of the gate on ${host} (exit ${String(r.code)}): ${oneLine(r.stderr) || 'no error text'}`, { host });
  }
  return path;
}
