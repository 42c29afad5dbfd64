import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostPaths } from '../../src/lab/files.js';
import { labUp, type Lab, type LabUpOptions } from '../../src/lab/lab.js';

/**
 * Starts a lab of n real sshd hosts in a temp dir, runs fn, and always stops and removes it.
 * Each host gets a home of its own by default (ownHomes), as on a real fleet: gates deploy
 * per host, and a login does not run the controller user's ~/.bashrc (here that is pyenv's
 * init, ~1-2 s on every SSH command, which made Ansible's side of the parity tests crawl).
 * The hosts share the controller's filesystem and hostname, which many tests rely on
 * (files written here and read there); `isolated: true` gives each host namespaces of its
 * own instead (hostname, /tmp, home, /etc), as `ftl lab up` does by default.
 * The hosts are tied to the test process: if it crashes or is killed, they die with it.
 */
export async function withLab<T>(n: number, fn: (lab: Lab) => Promise<T>, opts: Omit<LabUpOptions, 'count' | 'dir'> = {}): Promise<T> {
  if (process.env.FTL_TEST_TIER === 'unit') throw new Error("a lab (real sshd) is not for the unit tier: mark the test file '// @tier full'");
  const parent = mkdtempSync(join(tmpdir(), 'ftl-lab-test-'));
  let lab: Lab | undefined;
  try {
    lab = await labUp({ ownHomes: true, tied: true, ...opts, count: n, dir: join(parent, 'lab') });
    // As on a host Ansible has worked on before: its first task there would otherwise warn that
    // it created ~/.ansible/tmp, and a parity comparison would see the warning.
    if (lab.spec.ownHomes === true) for (const h of lab.hosts) mkdirSync(join(hostPaths(h).home, '.ansible', 'tmp'), { recursive: true, mode: 0o700 });
    return await fn(lab);
  } finally {
    await lab?.down();
    rmSync(parent, { recursive: true, force: true });
  }
}
