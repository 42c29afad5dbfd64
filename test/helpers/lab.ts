import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labUp, type Lab, type LabUpOptions } from '../../src/lab/lab.js';

/** Starts a lab of n real sshd hosts in a temp dir, runs fn, and always stops and removes it. */
export async function withLab<T>(n: number, fn: (lab: Lab) => Promise<T>, opts: Omit<LabUpOptions, 'count' | 'dir'> = {}): Promise<T> {
  if (process.env.FTL_TEST_TIER === 'unit') throw new Error("a lab (real sshd) is not for the unit tier: mark the test file '// @tier full'");
  const parent = mkdtempSync(join(tmpdir(), 'ftl-lab-test-'));
  let lab: Lab | undefined;
  try {
    lab = await labUp({ ...opts, count: n, dir: join(parent, 'lab') });
    return await fn(lab);
  } finally {
    await lab?.down();
    rmSync(parent, { recursive: true, force: true });
  }
}
