import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { arch, cpus, loadavg, release, totalmem } from 'node:os';
import { packageVersion } from '../src/base/version.js';
import { ROOT } from './drivers.js';

function out(cmd: string, args: string[]): string {
  try {
    // Some tools (ssh -V) print their version on stderr.
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], cwd: ROOT }).trim();
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    return (err.stderr ?? err.message).trim();
  }
}

/** ssh -V and sshd -V print on stderr, with exit codes that differ between versions. */
function sshVersion(bin: string): string {
  const r = spawnSync(bin, ['-V'], { encoding: 'utf8' });
  return `${r.stderr}${r.stdout}`.trim().split('\n')[0] ?? '?';
}

function osName(): string {
  try {
    return /^PRETTY_NAME="?([^"\n]*)/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? 'Linux';
  } catch {
    return 'Linux';
  }
}

/** What the figures were measured on. */
export function machineInfo(): Record<string, string> {
  const ansible = out('ansible', ['--version']).split('\n')[0] ?? '?';
  return {
    date: new Date().toISOString(),
    cpu: `${String(cpus().length)} × ${cpus()[0]?.model ?? '?'}`,
    memory: `${(totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    os: `${osName()}, Linux ${release()} ${arch()}`,
    node: process.version,
    ftl: `${packageVersion()} (git ${out('git', ['rev-parse', '--short', 'HEAD'])}${out('git', ['status', '--porcelain', '--', 'src', 'gate']) === '' ? '' : ', with local changes'})`,
    ansible: `${ansible} (${out('dpkg-query', ['-W', '-f=${Version}', 'ansible-core'])} from Debian), ${out('/usr/bin/python3', ['--version'])}`,
    openssh: `client ${sshVersion('ssh')}; server ${sshVersion('/usr/sbin/sshd')}`,
    load: loadavg().map((l) => l.toFixed(2)).join(' '),
  };
}
