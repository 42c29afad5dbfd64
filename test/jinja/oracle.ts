/** Ansible's templar as the oracle for the template engine: many cases, one Python run. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Case } from './cases.js';

export type OracleResult = { out: string } | { error: string };

export function ansibleRender(cases: readonly Case[]): Promise<OracleResult[]> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/python3', [join(import.meta.dirname, 'oracle.py')], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString('utf8')));
    child.stderr.on('data', (b: Buffer) => (err += b.toString('utf8')));
    child.once('close', (code) => {
      if (code !== 0) reject(new Error(`oracle.py failed: ${err}`));
      else resolve(JSON.parse(out) as OracleResult[]);
    });
    child.stdin.end(JSON.stringify(cases));
  });
}
