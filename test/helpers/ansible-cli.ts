/**
 * Many `ansible` / `ansible-inventory` commands in one Python process: each is run by the
 * CLI's own entry point (cli_executor) as its console script would, but ansible's start-up
 * (about a second of CPU per command) is paid once. For oracles that only read inventories.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export type AnsibleCli = 'ansible' | 'ansible-inventory';

export interface AnsibleCliCall {
  cli: AnsibleCli;
  args: readonly string[];
}

export interface AnsibleCliResult {
  /** The exit code the command would have had. */
  code: number;
  stdout: string;
}

const SCRIPT = join(import.meta.dirname, 'ansible-cli.py');

/** The Python that `ansible-inventory` on PATH runs with (its shebang), so the same ansible is imported. */
function ansiblePython(): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    let head: string;
    try {
      head = readFileSync(join(dir, 'ansible-inventory'), 'utf8').split('\n')[0] ?? '';
    } catch {
      continue;
    }
    const m = /^#!\s*(\S+)(?:\s+(\S+))?/.exec(head);
    if (m === null) break;
    // '#!/usr/bin/env python3' names the interpreter in its second word.
    return m[1]?.endsWith('/env') === true ? (m[2] ?? 'python3') : (m[1] ?? 'python3');
  }
  throw new Error('ansible-inventory is not on PATH: install ansible-core');
}

/** env: for all the commands alike (ansible reads its settings once, when it starts). */
export function runAnsibleClis(calls: readonly AnsibleCliCall[], extraEnv: NodeJS.ProcessEnv = {}): Promise<AnsibleCliResult[]> {
  const env = { ...process.env, ANSIBLE_NOCOLOR: '1', ANSIBLE_DEPRECATION_WARNINGS: 'False', ...extraEnv };
  return new Promise((resolve, reject) => {
    const child = execFile(ansiblePython(), [SCRIPT], { env, maxBuffer: 64 * 1024 * 1024, timeout: 300_000 }, (err, stdout, stderr) => {
      if (err !== null) {
        reject(new Error(`ansible-cli.py failed: ${stderr || err.message}`));
        return;
      }
      const results = JSON.parse(stdout) as AnsibleCliResult[];
      if (results.length !== calls.length) reject(new Error(`ansible-cli.py answered ${String(results.length)} of ${String(calls.length)} commands`));
      else resolve(results);
    });
    child.stdin?.end(JSON.stringify(calls.map((c) => [c.cli, ...c.args])));
  });
}
